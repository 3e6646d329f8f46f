/** Sign in, or create an account, with email and password. */
import { useState } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import { messageOf } from "../api/errors";
import { ErrorMessage } from "../components/ErrorMessage";
import { useSession } from "../session/SessionContext";

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

  if (me) return <Navigate to={from} replace />;
  const signingUp = mode === "sign-up";

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
            if (signingUp) await api.signup({ email, password, name: name || undefined });
            await api.login({ email, password });
            const m = await refresh();
            if (m) navigate(from, { replace: true });
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
      <p>
        {signingUp ? "Already have an account?" : "New here?"}{" "}
        <button type="button" className="link" onClick={() => setMode(signingUp ? "sign-in" : "sign-up")}>
          {signingUp ? "Sign in" : "Create an account"}
        </button>
      </p>
    </main>
  );
}
