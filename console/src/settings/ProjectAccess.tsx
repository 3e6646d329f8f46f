/**
 * Settings → Project: who can reach the current project and with which role, and whether
 * every workspace member can see it (public) or only its members (private).
 */
import { useState } from "react";
import type { ProjectRole, Visibility } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction, useRowAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";

const PROJECT_ROLES: { role: ProjectRole; label: string }[] = [
  { role: "project_viewer", label: "viewer" },
  { role: "project_contributor", label: "contributor" },
  { role: "project_admin", label: "admin" },
];

export function ProjectAccess({ projectId, isAdmin }: { projectId: string; isAdmin: boolean }) {
  const { api, scope } = useSession();
  const projects = useAsync(() => api.listProjects(), [api, scope.tenant]);
  const members = useAsync(() => api.listProjectMembers(projectId), [api, projectId]);
  const project = projects.data?.find((p) => p.id === projectId);
  const visibility = useAction();
  const { act, errorOf } = useRowAction(members.reload);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<ProjectRole>("project_viewer");
  const add = useAction();

  return (
    <section aria-labelledby="project-heading">
      <h2 id="project-heading">Project {project ? `“${project.name}”` : ""}</h2>
      <ErrorMessage error={projects.error} />
      {project && (
        <fieldset disabled={!isAdmin}>
          <legend>Visibility</legend>
          {(["public", "private"] as Visibility[]).map((v) => (
            <label key={v} className="check">
              <input
                type="radio"
                name="visibility"
                value={v}
                checked={project.visibility === v}
                onChange={() =>
                  visibility.run(async () => {
                    await api.setProjectVisibility(projectId, v);
                    await projects.reload();
                  })
                }
              />
              {v === "public" ? "Public: every workspace member can view it" : "Private: only its members"}
            </label>
          ))}
          <ErrorMessage error={visibility.error} />
        </fieldset>
      )}

      <h3>Project members</h3>
      <ErrorMessage error={members.error} />
      {members.data && (
        <table className="list">
          <caption className="sr-only">Project members</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              {isAdmin && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => (
              <tr key={m.user_id}>
                <td>{m.email}</td>
                <td>
                  {isAdmin ? (
                    <select
                      aria-label={`Project role of ${m.email}`}
                      value={m.role}
                      onChange={(e) => act(m.user_id, () => api.setProjectMemberRole(projectId, m.user_id, e.target.value as ProjectRole))}
                    >
                      {PROJECT_ROLES.map((r) => (
                        <option key={r.role} value={r.role}>
                          {r.label}
                        </option>
                      ))}
                    </select>
                  ) : (
                    m.role.replace("project_", "")
                  )}
                </td>
                {isAdmin && (
                  <td>
                    <button
                      type="button"
                      aria-label={`Remove ${m.email} from the project`}
                      onClick={() => act(m.user_id, () => api.removeProjectMember(projectId, m.user_id))}
                    >
                      Remove
                    </button>
                    <ErrorMessage error={errorOf(m.user_id)} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {isAdmin && (
        <form
          className="inline-form"
          aria-label="Add a project member"
          onSubmit={async (e) => {
            e.preventDefault();
            await add.run(async () => {
              await api.addProjectMember(projectId, email.trim(), role);
              setEmail("");
              await members.reload();
            });
          }}
        >
          <label>
            Member email
            <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label>
            Project role
            <select value={role} onChange={(e) => setRole(e.target.value as ProjectRole)}>
              {PROJECT_ROLES.map((r) => (
                <option key={r.role} value={r.role}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Add to project</button>
          <ErrorMessage error={add.error} />
        </form>
      )}
    </section>
  );
}
