/**
 * `/settings/access`: who you are signed in as, your role in each workspace and project, and
 * what the current ones let you do. Everything comes from `/auth/me` (already loaded by the
 * session), so the page needs no request of its own.
 */
import { projectCapabilities, projectRoleLabel, workspaceCapabilities, type Capability } from "../session/access";
import { useSession } from "../session/SessionContext";

function Capabilities({ label, items }: { label: string; items: Capability[] }) {
  return (
    <ul className="capabilities" aria-label={label}>
      {items.map((c) => (
        <li key={c.what} className={c.allowed ? "allowed" : "denied"}>
          <span aria-hidden="true">{c.allowed ? "✔" : "✖"}</span> {c.what}
          <span className="sr-only">{c.allowed ? ": allowed" : ": not allowed"}</span>
        </li>
      ))}
    </ul>
  );
}

export function MyAccess() {
  const { me, scope } = useSession();
  if (!me) return null;
  const workspace = me.workspaces.find((w) => w.slug === scope.tenant);
  const project = workspace?.projects.find((p) => p.id === scope.project);
  return (
    <div className="my-access">
      <p>
        Signed in as <strong>{me.user.email}</strong>
        {me.user.name ? ` (${me.user.name})` : ""}.
      </p>
      {workspace && (
        <>
          <h2>
            In {workspace.name}: {workspace.role}
          </h2>
          <Capabilities label={`What you can do in the workspace ${workspace.name}`} items={workspaceCapabilities(workspace.role)} />
        </>
      )}
      {project && (
        <>
          <h2>
            In the project {project.name}: {projectRoleLabel(project.role)}
          </h2>
          <Capabilities label={`What you can do in the project ${project.name}`} items={projectCapabilities(project.role)} />
        </>
      )}
      <h2>All your workspaces and projects</h2>
      <table className="list">
        <caption className="sr-only">Your role in each workspace and project</caption>
        <thead>
          <tr>
            <th scope="col">Workspace</th>
            <th scope="col">Workspace role</th>
            <th scope="col">Project</th>
            <th scope="col">Project role</th>
          </tr>
        </thead>
        <tbody>
          {me.workspaces.flatMap((w) =>
            (w.projects.length > 0 ? w.projects : [null]).map((p, i) => (
              <tr key={`${w.slug}/${p?.id ?? "-"}`}>
                <td>{i === 0 ? w.name : ""}</td>
                <td>{i === 0 ? w.role : ""}</td>
                <td>{p ? p.name : <span className="muted">no project you can open</span>}</td>
                <td>{p ? projectRoleLabel(p.role) : ""}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
      <p className="muted">
        Roles are given by workspace and project admins (Settings → Members and Project). API keys can narrow what a
        script may do with your access, never widen it.
      </p>
    </div>
  );
}
