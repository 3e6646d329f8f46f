/**
 * Sign in, or create an account, with email and password. Creating one is offered where
 * the server lets anyone sign up, or to a visitor who came from an invitation link (whose
 * token goes with the sign-up); elsewhere the page says to ask for an invitation.
 */
import { useEffect, useState } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import { messageOf } from "../api/errors";
import { ErrorMessage } from "../components/ErrorMessage";
import { useSession } from "../session/SessionContext";

/** The token of the `/invites/:token` page the visitor came from, if any. */
function inviteTokenOf(from: string): string | null {
  const m = /^\/invites\/([^/]+)$/.exec(from);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export function SignIn() {
  const { api, me, refresh } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? "/workflow";
  const [mode, setMode] = useState<"sign-in" | "sign-up">("sign-in");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [policy, setPolicy] = useState<"open" | "invite" | null>(null);
  const inviteToken = inviteTokenOf(from);

  useEffect(() => {
    let live = true;
    api
      .signupPolicy()
      .then((p) => live && setPolicy(p.signup))
      // An older server does not say: offer the form, its answer will tell.
      .catch(() => live && setPolicy("open"));
    return () => {
      live = false;
    };
  }, [api]);

  if (me) return <Navigate to={from} replace />;
  const canSignUp = policy === "open" || inviteToken !== null;
  const signingUp = mode === "sign-up" && canSignUp;

  return (
    <main className="page narrow sign-in" id="main">
      <h1>{signingUp ? "Create your account" : "Sign in to agentruntime"}</h1>
      <form
        aria-label={signingUp ? "Create account" : "Sign in"}
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            if (signingUp) {
              const invite = inviteToken ? { invite_token: inviteToken } : {};
              await api.signup({ email, password, name: name || undefined, ...invite });
            }
            await api.login({ email, password });
            const m = await refresh();
            // A sign-up with the invitation has accepted it already.
            const next = signingUp && inviteToken ? "/workflow" : from;
            if (m) navigate(next, { replace: true });
            else setError("Signed in, but the session was not kept. Check that cookies are allowed for this site.");
          } catch (err) {
            setError(messageOf(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        {signingUp && (
          <label>
            Name
            <input autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
        )}
        <label>
          Email
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete={signingUp ? "new-password" : "current-password"}
            required
            minLength={signingUp ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {signingUp ? "Create account" : "Sign in"}
        </button>
      </form>
      {canSignUp ? (
        <p>
          {signingUp ? "Already have an account?" : "New here?"}{" "}
          <button type="button" className="link" onClick={() => setMode(signingUp ? "sign-in" : "sign-up")}>
            {signingUp ? "Sign in" : "Create an account"}
          </button>
        </p>
      ) : (
        policy === "invite" && (
          <p className="muted">
            New here? Accounts on this server are by invitation: ask a workspace admin to invite your email address,
            then open the invitation link.
          </p>
        )
      )}
    </main>
  );
}
