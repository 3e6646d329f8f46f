/**
 * `/invites/:token`: accepting a workspace invite. A signed-out visitor signs in or creates
 * an account first (the sign-in page brings them back here); then one button joins the
 * workspace. An expired, used or someone else's invite shows the API's words.
 */
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction } from "../components/useAction";
import { useSession } from "../session/SessionContext";

export function AcceptInvite() {
  const { token = "" } = useParams();
  const { api, me, refresh, setScope, loadError } = useSession();
  const navigate = useNavigate();
  const accept = useAction();
  const [joined, setJoined] = useState<string | null>(null);
  const here = `/invites/${encodeURIComponent(token)}`;

  return (
    <main className="page narrow" id="main">
      <h1>Workspace invitation</h1>
      {me === undefined && <p role="status">Loading…</p>}
      {me === null && (
        <>
          {loadError && <ErrorMessage error={loadError} />}
          <p>You have been invited to a workspace. Sign in, or create an account with the invited email address, to accept.</p>
          <p className="actions">
            <Link to="/sign-in" state={{ from: here }}>
              Sign in or create an account
            </Link>
          </p>
        </>
      )}
      {me && !joined && (
        <>
          <p>
            Signed in as <strong>{me.user.email}</strong>. The invite must be for this address.
          </p>
          <button
            type="button"
            onClick={() =>
              void accept.run(async () => {
                const r = await api.acceptInvite(token);
                const m = await refresh();
                const ws = m?.workspaces.find((w) => w.slug === r.workspace.slug);
                setScope({ tenant: r.workspace.slug, project: ws?.projects[0]?.id ?? null });
                setJoined(r.workspace.name);
              })
            }
          >
            Accept invitation
          </button>
          <ErrorMessage error={accept.error} />
        </>
      )}
      {joined && (
        <>
          <p className="notice" role="status">
            You joined {joined}.
          </p>
          <button type="button" onClick={() => navigate("/workflow")}>
            Go to the workspace
          </button>
        </>
      )}
    </main>
  );
}
