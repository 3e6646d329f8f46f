import { describe, expect, it } from "vitest";
import type { Me } from "../api/types";
import { canEdit, resolveScope } from "./scope";

const me: Me = {
  user: { id: "u", email: "u@x.io" },
  workspaces: [
    { slug: "acme", name: "Acme", role: "member", projects: [{ id: "p1", name: "Default", role: "project_viewer" }, { id: "p2", name: "Ops", role: "project_contributor" }] },
    { slug: "beta", name: "Beta", role: "owner", projects: [{ id: "p3", name: "Default", role: "project_admin" }] },
  ],
};

describe("resolveScope", () => {
  const cases: [string, { tenant: string | null; project: string | null }, { tenant: string | null; project: string | null }][] = [
    ["keeps a reachable choice", { tenant: "acme", project: "p2" }, { tenant: "acme", project: "p2" }],
    ["falls back to the first workspace when none is remembered", { tenant: null, project: null }, { tenant: "acme", project: "p1" }],
    ["falls back when the workspace is no longer reachable", { tenant: "gone", project: "p2" }, { tenant: "acme", project: "p1" }],
    ["picks the workspace's first project when the project is from another workspace", { tenant: "beta", project: "p1" }, { tenant: "beta", project: "p3" }],
  ];
  it.each(cases)("%s", (_name, remembered, expected) => {
    expect(resolveScope(me, remembered)).toEqual(expected);
  });

  it("has no scope for a user without workspaces or when signed out", () => {
    expect(resolveScope({ ...me, workspaces: [] }, { tenant: "acme", project: "p1" })).toEqual({ tenant: null, project: null });
    expect(resolveScope(null, { tenant: "acme", project: "p1" })).toEqual({ tenant: null, project: null });
  });
});

describe("canEdit", () => {
  it.each([
    ["p1", "acme", false],
    ["p2", "acme", true],
    ["p3", "beta", true],
    ["nope", "acme", false],
  ] as const)("project %s in %s: %s", (project, tenant, expected) => {
    expect(canEdit(me, { tenant, project })).toBe(expected);
  });
});
