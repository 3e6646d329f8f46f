/** The frame around every signed-in page: navigation, workspace/project switcher, sign out. */
import { NavLink, Outlet, useNavigate } from "react-router";
import { useSession } from "../session/SessionContext";
import { setThemePreference, useThemePreference, type ThemePreference } from "../theme/theme";
import { CreateWorkspace } from "./CreateWorkspace";

export function Shell() {
  const { me, scope, setScope, signOut } = useSession();
  const navigate = useNavigate();
  if (!me) return null;
  const workspace = me.workspaces.find((w) => w.slug === scope.tenant);
  const project = workspace?.projects.find((p) => p.id === scope.project);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">agentruntime</span>
        <nav aria-label="Main">
          <NavLink to="/workflow">Workflows</NavLink>
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/command-center">Command Center</NavLink>
          <NavLink to="/analytics">Analytics</NavLink>
          <NavLink to="/connections">Connections</NavLink>
          <NavLink to="/mcp">MCP</NavLink>
          <NavLink to="/agents">Agents</NavLink>
          <NavLink to="/chat">Chat</NavLink>
          <NavLink to="/settings/providers">Providers</NavLink>
          <NavLink to="/settings">Settings</NavLink>
        </nav>
        {me.workspaces.length > 0 && (
          <div className="scope-switcher">
            <label>
              <span className="scope-label">Workspace</span>
              <select
                value={scope.tenant ?? ""}
                onChange={(e) => {
                  const ws = me.workspaces.find((w) => w.slug === e.target.value);
                  setScope({ tenant: e.target.value, project: ws?.projects[0]?.id ?? null });
                  navigate("/workflow");
                }}
              >
                {me.workspaces.map((w) => (
                  <option key={w.slug} value={w.slug}>
                    {w.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span className="scope-label">Project</span>
              <select
                value={scope.project ?? ""}
                onChange={(e) => {
                  setScope({ tenant: scope.tenant, project: e.target.value });
                  navigate("/workflow");
                }}
              >
                {(workspace?.projects ?? []).map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            {project && <span className="role-badge" title="Your role in this project">{project.role.replace("project_", "")}</span>}
          </div>
        )}
        <div className="account">
          <ThemePicker />
          {/* Stacked, so the whole bar fits one line on a 1400 px window. */}
          <div className="account-who">
            <span className="user">{me.user.email}</span>
            <button
              type="button"
              className="sign-out"
              onClick={async () => {
                await signOut();
                navigate("/sign-in");
              }}
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {me.workspaces.length === 0 ? <CreateWorkspace /> : <Outlet />}
      </main>
    </div>
  );
}

/** Light, dark, or whatever the system says (theme/theme.ts remembers the choice). */
function ThemePicker() {
  const preference = useThemePreference();
  return (
    <label>
      <span className="sr-only">Theme</span>
      <select value={preference} onChange={(e) => setThemePreference(e.target.value as ThemePreference)}>
        <option value="system">Auto theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
