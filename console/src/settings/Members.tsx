/**
 * Settings → Members: the workspace's members with their roles, and invitations. Changing
 * roles and inviting need workspace admin; the server decides, this screen shows its answer
 * next to the control used.
 */
import { useState } from "react";
import type { CreatedInvite, WorkspaceRole } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction, useRowAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { CopyField } from "./CopyField";

const WORKSPACE_ROLES: WorkspaceRole[] = ["member", "admin", "owner"];
type InviteRole = Exclude<WorkspaceRole, "owner">;

export function Members({ isAdmin }: { isAdmin: boolean }) {
  const { api, scope } = useSession();
  const { data: members, error, reload } = useAsync(() => api.listMembers(), [api, scope.tenant]);
  const { act, errorOf } = useRowAction(reload);

  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Workspace members</h2>
      <ErrorMessage error={error} />
      {members && (
        <table className="list">
          <caption className="sr-only">Workspace members</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              {isAdmin && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.user_id}>
                <td>
                  {m.name || m.email}
                  {m.name && <div className="muted">{m.email}</div>}
                </td>
                <td>
                  {isAdmin ? (
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      onChange={(e) => act(m.user_id, () => api.updateMember(m.user_id, { role: e.target.value as WorkspaceRole }))}
                    >
                      {WORKSPACE_ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                <td>{m.active ? "active" : "deactivated"}</td>
                {isAdmin && (
                  <td>
                    <button
                      type="button"
                      aria-label={`${m.active ? "Deactivate" : "Reactivate"} ${m.email}`}
                      onClick={() => act(m.user_id, () => api.updateMember(m.user_id, { active: !m.active }))}
                    >
                      {m.active ? "Deactivate" : "Reactivate"}
                    </button>
                    <ErrorMessage error={errorOf(m.user_id)} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {isAdmin && <InviteForm />}
    </section>
  );
}

function InviteForm() {
  const { api } = useSession();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<InviteRole>("member");
  const [invite, setInvite] = useState<CreatedInvite | null>(null);
  const send = useAction();
  return (
    <>
      <h3>Invite someone</h3>
      <form
        className="inline-form"
        aria-label="Invite a member"
        onSubmit={async (e) => {
          e.preventDefault();
          await send.run(async () => {
            setInvite(await api.createInvite(email.trim(), role));
            setEmail("");
          });
        }}
      >
        <label>
          Email
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as InviteRole)}>
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Send invite</button>
        <ErrorMessage error={send.error} />
      </form>
      {invite && (
        <div className="callout" role="status">
          <p>
            Invitation for <strong>{invite.email}</strong> ({invite.role}). Send them this link; it is shown only once.
            They open it, sign in or create an account with that address, and accept.
          </p>
          <CopyField label="Invite link" value={`${window.location.origin}/invites/${encodeURIComponent(invite.token)}`} />
          <CopyField label="Invite token" value={invite.token} />
        </div>
      )}
    </>
  );
}
