/**
 * `/settings/*`: API keys, connecting an IDE (Platform MCP snippets), workspace members and
 * invites, the current project's access, its inbound webhooks, the workspace's LLM provider
 * keys and vault secrets, billing (plan, credits, usage; docs/billing.md), and what the signed-in user's roles allow (My access).
 * Admin-only controls are hidden from others (the server refuses them anyway).
 */
import { Navigate, NavLink, Route, Routes } from "react-router";
import { currentProject } from "../session/scope";
import { useSession } from "../session/SessionContext";
import { ApiKeys } from "./ApiKeys";
import { Billing } from "./Billing";
import { ConnectIde } from "./ConnectIde";
import { Members } from "./Members";
import { MyAccess } from "./MyAccess";
import { ProjectAccess } from "./ProjectAccess";
import { Providers } from "./Providers";
import { Secrets } from "./Secrets";
import { Webhooks } from "./Webhooks";

export function SettingsPage() {
  const { me, scope } = useSession();
  const workspace = me?.workspaces.find((w) => w.slug === scope.tenant);
  const isWorkspaceAdmin = workspace?.role === "admin" || workspace?.role === "owner";
  const isWorkspaceOwner = workspace?.role === "owner";
  const isProjectAdmin = isWorkspaceAdmin || currentProject(me ?? null, scope)?.role === "project_admin";
  return (
    <section className="page">
      <h1>Settings</h1>
      <nav aria-label="Settings" className="tabs">
        <NavLink to="/settings/api-keys">API keys</NavLink>
        <NavLink to="/settings/ide">Connect an IDE</NavLink>
        <NavLink to="/settings/members">Members</NavLink>
        {scope.project && <NavLink to="/settings/project">Project</NavLink>}
        {scope.project && <NavLink to="/settings/webhooks">Webhooks</NavLink>}
        <NavLink to="/settings/providers">Providers</NavLink>
        <NavLink to="/settings/secrets">Secrets</NavLink>
        {scope.project && <NavLink to="/settings/billing">Billing</NavLink>}
        <NavLink to="/settings/access">My access</NavLink>
      </nav>
      <Routes>
        <Route index element={<Navigate to="api-keys" replace />} />
        <Route path="api-keys" element={<ApiKeys />} />
        <Route path="ide" element={<ConnectIde />} />
        <Route path="members" element={<Members isAdmin={isWorkspaceAdmin} />} />
        {scope.project && (
          <Route path="project" element={<ProjectAccess projectId={scope.project} isAdmin={isProjectAdmin} />} />
        )}
        {scope.project && <Route path="webhooks" element={<Webhooks />} />}
        <Route path="providers" element={<Providers isAdmin={isWorkspaceAdmin} />} />
        <Route path="secrets" element={<Secrets isAdmin={isWorkspaceAdmin} />} />
        {scope.project && (
          <Route path="billing" element={<Billing isAdmin={isWorkspaceAdmin} isOwner={isWorkspaceOwner} />} />
        )}
        <Route path="access" element={<MyAccess />} />
        <Route path="*" element={<p>This settings page does not exist.</p>} />
      </Routes>
    </section>
  );
}
