/**
 * Choosing the workspace and project the console acts in, from what `/auth/me` says the
 * user can reach. Pure functions, so the rules are unit-tested apart from React.
 */
import type { Me, ProjectAccess, WorkspaceAccess } from "../api/types";

export interface ChosenScope {
  tenant: string | null;
  project: string | null;
}

/**
 * Keeps the remembered choice when it is still reachable, else falls back to the first
 * workspace and its first project (so a revoked membership never leaves a dangling scope).
 */
export function resolveScope(me: Me | null, remembered: ChosenScope): ChosenScope {
  if (!me || me.workspaces.length === 0) return { tenant: null, project: null };
  const rememberedWs = me.workspaces.find((w) => w.slug === remembered.tenant);
  const ws = rememberedWs ?? (me.workspaces[0] as WorkspaceAccess);
  // A remembered project only counts inside its remembered workspace.
  const project = (rememberedWs && ws.projects.find((p) => p.id === remembered.project)) || ws.projects[0];
  return { tenant: ws.slug, project: project?.id ?? null };
}

/** The user's access in the chosen project, or undefined. */
export function currentProject(me: Me | null, scope: ChosenScope): ProjectAccess | undefined {
  return me?.workspaces.find((w) => w.slug === scope.tenant)?.projects.find((p) => p.id === scope.project);
}

/**
 * Whether the user may edit graphs, run workflows and complete tasks here: contributor or
 * admin in the project. The server decides for real; this only hides controls that would
 * be refused.
 */
export function canEdit(me: Me | null, scope: ChosenScope): boolean {
  const role = currentProject(me, scope)?.role;
  return role === "project_contributor" || role === "project_admin";
}
