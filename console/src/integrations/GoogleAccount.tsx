/**
 * Google accounts on `/connections` (docs/connections.md "Google"): connect one Google
 * account for several Workspace services with the platform's own Google client (no
 * endpoints or client ids to type), then see the account and turn its services on or off
 * within what Google granted. A service not granted needs a reconnect, which keeps the
 * connection's id so MCP profiles bound to it keep working.
 */
import { useState } from "react";
import type { Connection, GoogleAccount } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";

/** Whether a connection is a Google account connection (made by `google/complete`). */
export const isGoogleAccount = (c: Connection) => c.provider === "google" && c.auth_type === "oauth2";

/** Picks services and sends the browser to Google's consent page; Google's callback brings it back. */
export function GoogleConnect() {
  const { api } = useSession();
  const config = useAsync(() => api.googleConfig(), [api]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [name, setName] = useState("");
  const start = useAction();
  const c = config.data;
  return (
    <form
      className="stacked-form"
      aria-label="Connect a Google account"
      onSubmit={async (e) => {
        e.preventDefault();
        await start.run(async () => {
          const r = await api.googleOAuthUrl({ services: chosen, ...(name.trim() ? { display_name: name.trim() } : {}) });
          window.location.assign(r.url);
        });
      }}
    >
      <h2>Google account</h2>
      <ErrorMessage error={config.error} />
      {c && !c.enabled && (
        <p className="muted">
          Google sign-in is not set up on this server: an operator gives it a Google OAuth client (
          <code>[connections.google]</code>).
        </p>
      )}
      {c?.enabled && (
        <>
          <p className="muted">One Google account for the services you pick; Google asks you to agree to each.</p>
          <fieldset>
            <legend>Services</legend>
            {c.services.map((s) => (
              <label key={s.service} className="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(s.service)}
                  onChange={(e) => setChosen(e.target.checked ? [...chosen, s.service] : chosen.filter((x) => x !== s.service))}
                />
                {s.title}
              </label>
            ))}
          </fieldset>
          <label>
            Connection name (optional)
            <input value={name} placeholder="Google" maxLength={200} onChange={(e) => setName(e.target.value)} />
          </label>
          <button type="submit" disabled={chosen.length === 0}>
            Connect with Google
          </button>
          {chosen.length === 0 && <p className="muted">Pick at least one service.</p>}
        </>
      )}
      <ErrorMessage error={start.error} />
    </form>
  );
}

/** The project's Google connections, each with its account and services. */
export function GoogleAccounts({ connections, canEdit }: { connections: Connection[]; canEdit: boolean }) {
  const google = connections.filter(isGoogleAccount);
  if (google.length === 0) return null;
  return (
    <>
      <h2>Google accounts</h2>
      {google.map((c) => (
        <AccountPanel key={c.id} connection={c} canEdit={canEdit} />
      ))}
    </>
  );
}

function AccountPanel({ connection, canEdit }: { connection: Connection; canEdit: boolean }) {
  const { api } = useSession();
  const account = useAsync(() => api.googleAccount(connection.id), [api, connection.id]);
  const headingId = `google-${connection.id}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h3 id={headingId}>{connection.display_name}</h3>
      <ErrorMessage error={account.error} />
      {account.data && (
        <ServicesForm account={account.data} canEdit={canEdit} onSaved={account.setData} />
      )}
    </section>
  );
}

function ServicesForm({
  account,
  canEdit,
  onSaved,
}: {
  account: GoogleAccount;
  canEdit: boolean;
  onSaved: (a: GoogleAccount) => void;
}) {
  const { api } = useSession();
  const initial = Object.fromEntries(account.services.map((s) => [s.service, s.enabled]));
  const [wanted, setWanted] = useState<Record<string, boolean>>(initial);
  const [saved, setSaved] = useState(false);
  const save = useAction();
  const changes = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => initial[k] !== v));
  // Services ticked that Google has not granted: only a new consent can add them.
  const ungranted = account.services.filter((s) => wanted[s.service] && !s.granted).map((s) => s.service);
  return (
    <form
      className="stacked-form"
      aria-label={`Services of ${account.display_name}`}
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        await save.run(async () => {
          const updated = await api.setGoogleServices(account.connection_id, changes);
          setSaved(true);
          onSaved(updated);
        });
      }}
    >
      <dl className="facts">
        <dt>Account</dt>
        <dd>{account.email ?? "—"}</dd>
        <dt>Status</dt>
        <dd>{account.status === "needs_reauth" ? "needs re-authorization: reconnect" : account.status}</dd>
      </dl>
      <fieldset>
        <legend>Services</legend>
        {account.services.map((s) => (
          <label key={s.service} className="check">
            <input
              type="checkbox"
              disabled={!canEdit}
              checked={wanted[s.service] ?? false}
              onChange={(e) => setWanted({ ...wanted, [s.service]: e.target.checked })}
            />
            {s.title}
            {!s.granted && <span className="muted"> (not granted by the account: reconnect to add it)</span>}
          </label>
        ))}
      </fieldset>
      {canEdit && (
        <div className="actions wrap">
          <button type="submit" disabled={Object.keys(changes).length === 0}>
            Save services
          </button>
          <button
            type="button"
            onClick={() =>
              save.run(async () => {
                const r = await api.googleOAuthUrl({ services: ungranted, connection_id: account.connection_id });
                window.location.assign(r.url);
              })
            }
          >
            {ungranted.length > 0 ? "Reconnect to add the ticked services" : "Reconnect"}
          </button>
        </div>
      )}
      {saved && (
        <p className="notice" role="status">
          Services saved.
        </p>
      )}
      <ErrorMessage error={save.error} />
    </form>
  );
}
