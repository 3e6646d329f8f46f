/**
 * What a role lets its holder do, in words, for the "My access" screen. Mirrors docs/contract.md §1
 * (workspace roles, project roles, read-only access to private projects); the server's
 * authorization is what decides, this only explains it.
 */

export interface Capability {
  /** What the user can do, as a sentence fragment ("Read workflows, runs and events"). */
  what: string;
  allowed: boolean;
}

/** Project capabilities, in order of the roles that gain them. */
const PROJECT_CAPABILITIES: { what: string; from: number }[] = [
  { what: "Read workflows, versions, runs and their events", from: 0 },
  { what: "Create, edit and publish workflows", from: 1 },
  { what: "Start, pause, resume, stop and retry runs", from: 1 },
  { what: "Approve or reject human tasks", from: 1 },
  { what: "Manage connections, MCP instances and webhooks", from: 1 },
  { what: "See billing usage", from: 1 },
  { what: "Manage project members and visibility", from: 2 },
];

const PROJECT_RANK: Record<string, number> = { read_only: 0, project_viewer: 0, project_contributor: 1, project_admin: 2 };

/** A project role's name as people say it. */
export function projectRoleLabel(role: string): string {
  switch (role) {
    case "project_viewer":
      return "Viewer";
    case "project_contributor":
      return "Contributor";
    case "project_admin":
      return "Project admin";
    case "read_only":
      return "Read only (private project, opened as a workspace admin)";
    default:
      return role;
  }
}

/** What a project role allows and does not. An unknown role is shown as allowing nothing. */
export function projectCapabilities(role: string): Capability[] {
  const rank = PROJECT_RANK[role] ?? -1;
  return PROJECT_CAPABILITIES.map((c) => ({ what: c.what, allowed: rank >= c.from }));
}

/** What a workspace role allows and does not. */
export function workspaceCapabilities(role: string): Capability[] {
  const admin = role === "admin" || role === "owner";
  return [
    { what: "Open the workspace's public projects", allowed: true },
    { what: "Invite members and change their roles", allowed: admin },
    { what: "Manage vault secrets and LLM provider keys", allowed: admin },
    { what: "See every project, private ones read-only", allowed: admin },
  ];
}
