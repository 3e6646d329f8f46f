/**
 * Settings → Connect an IDE: copy-ready configuration for Cursor, Claude Code, Claude
 * Desktop and the Codex CLI to use this server's Platform MCP endpoint (docs/contract.md
 * §12), with this server's origin filled in. "Create a token" makes a personal access token
 * for that client (the same API and expiry as Settings → API keys) and fills it into the
 * snippets; like every new token it is shown once, and leaving or dismissing forgets it.
 */
import { useState } from "react";
import { Link } from "react-router";
import type { CreatedPat, PatScope } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction } from "../components/useAction";
import { useSession } from "../session/SessionContext";
import { CopyField } from "./CopyField";
import { IDE_CLIENTS, ideGuide, mcpUrl, tokenName, type IdeClient } from "./ideSnippets";

/** What an IDE needs: read and run workflows, call MCP tools (docs/contract.md §1). */
export const IDE_TOKEN_SCOPES: PatScope[] = ["workflow:read", "workflow:run", "mcp:execute"];

/** The lifetime Settings → API keys proposes for a new key. */
export const IDE_TOKEN_DAYS = 90;

export function ConnectIde() {
  const { api, me, scope } = useSession();
  // Creating tokens is for members of the workspace (the API's PatsManage); the token is
  // bound to it, so without a current workspace there is nothing to bind it to.
  const workspace = me?.workspaces.find((w) => w.slug === scope.tenant);
  const [client, setClient] = useState<IdeClient>("cursor");
  const [created, setCreated] = useState<{ client: IdeClient; pat: CreatedPat } | null>(null);
  const [busy, setBusy] = useState(false);
  const create = useAction();

  const origin = window.location.origin;
  // A token is filled in only for the client it was named after.
  const token = created?.client === client ? created.pat.token : null;
  const guide = ideGuide(client, origin, token);

  const createToken = async () => {
    setBusy(true);
    await create.run(async () => {
      const pat = await api.createPat({ name: tokenName(client), scopes: IDE_TOKEN_SCOPES, expires_in_days: IDE_TOKEN_DAYS });
      setCreated({ client, pat });
    });
    setBusy(false);
  };

  return (
    <section aria-labelledby="connect-ide-heading" className="connect-ide">
      <h2 id="connect-ide-heading">Connect an IDE</h2>
      <p className="muted">
        Coding agents can list, edit and run your workflows and complete tasks through this server's MCP endpoint{" "}
        <code>{mcpUrl(origin)}</code>. They sign in with a personal access token (<code>Authorization: Bearer …</code>) and
        can do what your roles allow, within the token's scopes.
      </p>

      <fieldset className="ide-picker">
        <legend>Your IDE or agent</legend>
        {IDE_CLIENTS.map((c) => (
          <label key={c.client} className="check">
            <input type="radio" name="ide-client" value={c.client} checked={client === c.client} onChange={() => setClient(c.client)} />
            {c.name}
          </label>
        ))}
      </fieldset>

      <h3>{guide.name}</h3>
      {workspace ? (
        <div className="stacked-form">
          <p className="muted">
            A token named “{tokenName(client)}” with the scopes <code>{IDE_TOKEN_SCOPES.join(", ")}</code>, valid for{" "}
            {IDE_TOKEN_DAYS} days. Revoke it any time under <Link to="/settings/api-keys">API keys</Link>.
          </p>
          <div>
            <button type="button" onClick={createToken} disabled={busy}>
              Create a token for {guide.name}
            </button>
          </div>
          <ErrorMessage error={create.error} />
        </div>
      ) : (
        <p>Join or pick a workspace to create a token here; until then, the snippets show {"<YOUR_PAT>"} in its place.</p>
      )}

      {token && created && (
        <div className="callout" role="status">
          <p>
            <strong>Copy the token “{created.pat.name}” now.</strong> It is shown only this once, and the snippets below
            contain it: whoever has them can act as you. Keep the files they go into private.
          </p>
          <CopyField label="New IDE token" value={token} />
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}

      {guide.snippets.map((s) => (
        <div key={s.label} className="ide-snippet">
          <p>
            Paste into <strong>{s.where}</strong>:
          </p>
          <CopyField label={s.label} value={s.text} multiline rows={s.text.split("\n").length + 1} />
        </div>
      ))}
      <ul className="muted">
        {guide.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </section>
  );
}
