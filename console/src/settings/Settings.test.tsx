// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../api/types";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import { SettingsPage } from "./SettingsPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** A user whose workspace role is `workspaceRole` and project role `projectRole`. */
function meAs(workspaceRole: string, projectRole: string): Me {
  const me = meWithRole(projectRole);
  return { ...me, workspaces: me.workspaces.map((w) => ({ ...w, role: workspaceRole })) };
}

const render = (path: string) => renderAt(<SettingsPage />, path, "/settings/*");

describe("Settings → API keys", () => {
  it("creates a key with the picked scopes and expiry, shows the token once, then lists it", async () => {
    let pats: unknown[] = [];
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/pats": () => ({ body: { pats } }),
      "POST /v1/pats": (req) => {
        pats = [{ id: "k1", name: "ci", scopes: ["workflow:read", "workflow:run"], expires_at: null }];
        return { status: 201, body: { ...(pats[0] as object), token: "arp_secret_token_value", ...(req.body as object) } };
      },
    });
    render("/settings/api-keys");
    await screen.findByText("No API keys yet.");
    fireEvent.change(screen.getByLabelText("Key name"), { target: { value: " ci " } });
    fireEvent.click(screen.getByRole("checkbox", { name: /workflow:run/ }));
    fireEvent.change(screen.getByLabelText("Expires after (days, empty for the server default)"), { target: { value: "7" } });
    fireEvent.click(screen.getByRole("button", { name: "Create API key" }));

    const shown = (await screen.findByLabelText("New API key")) as HTMLInputElement;
    expect(shown.value).toBe("arp_secret_token_value");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      name: "ci",
      scopes: ["workflow:read", "workflow:run"],
      expires_in_days: 7,
    });
    await screen.findByRole("cell", { name: "ci" });
    fireEvent.click(screen.getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByLabelText("New API key")).toBeNull();
    expect(screen.queryByDisplayValue("arp_secret_token_value")).toBeNull();
  });

  it("shows the server's refusal next to the form", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/pats": { body: { pats: [] } },
      "POST /v1/pats": { status: 400, body: { error: "`scopes` must name at least one scope" } },
    });
    render("/settings/api-keys");
    await screen.findByText("No API keys yet.");
    fireEvent.change(screen.getByLabelText("Key name"), { target: { value: "none" } });
    fireEvent.click(screen.getByRole("checkbox", { name: /workflow:read/ }));
    fireEvent.click(screen.getByRole("button", { name: "Create API key" }));
    const form = screen.getByRole("form", { name: "Create API key" });
    await waitFor(() => expect(form.querySelector("[role=alert]")?.textContent).toBe("`scopes` must name at least one scope"));
  });

  it("revokes a key and shows it as revoked", async () => {
    let revoked = false;
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/pats": () => ({ body: { pats: [{ id: "k1", name: "ci", scopes: ["workflow:read"], revoked_at: revoked ? "2026-11-28T10:00:00Z" : null }] } }),
      "DELETE /v1/pats/k1": () => {
        revoked = true;
        return { body: {} };
      },
    });
    render("/settings/api-keys");
    fireEvent.click(await screen.findByRole("button", { name: "Revoke ci" }));
    await screen.findByText("Revoked");
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/v1/pats/k1")).toBe(true);
  });
});

describe("Settings → Members", () => {
  const members = [
    { user_id: "u1", email: "ada@example.com", name: "Ada", role: "owner", active: true },
    { user_id: "u2", email: "bob@example.com", name: null, role: "member", active: true },
  ];

  it("lets an admin invite someone and shows the invite token once", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("admin", "project_admin") },
      "GET /v1/members": { body: { members } },
      "POST /v1/invites": { status: 201, body: { id: "i1", token: "inv_once", accept_url: "http://x/v1/invites/inv_once/accept", email: "cy@example.com", role: "admin" } },
    });
    render("/settings/members");
    await screen.findByText("bob@example.com");
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "cy@example.com" } });
    fireEvent.change(screen.getByLabelText("Role"), { target: { value: "admin" } });
    fireEvent.click(screen.getByRole("button", { name: "Send invite" }));
    expect(((await screen.findByLabelText("Invite token")) as HTMLInputElement).value).toBe("inv_once");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ email: "cy@example.com", role: "admin" });
  });

  it("changes a role and shows a refusal on that member's row", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("admin", "project_admin") },
      "GET /v1/members": { body: { members } },
      "PATCH /v1/members/u1": { status: 403, body: { error: "only an owner may change an owner" } },
    });
    render("/settings/members");
    fireEvent.change(await screen.findByLabelText("Role of ada@example.com"), { target: { value: "member" } });
    expect((await screen.findByRole("alert")).textContent).toBe("only an owner may change an owner");
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ role: "member" });
  });

  it("shows a plain member the list without admin controls", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_viewer") },
      "GET /v1/members": { body: { members } },
    });
    render("/settings/members");
    await screen.findByText("bob@example.com");
    expect(screen.queryByRole("button", { name: "Send invite" })).toBeNull();
    expect(screen.queryByRole("combobox")).toBeNull();
    expect(screen.queryByRole("button", { name: /Deactivate/ })).toBeNull();
  });
});

describe("Settings → Project", () => {
  it("adds a member with a project role and changes the visibility", async () => {
    let projectMembers = [{ user_id: "u1", email: "ada@example.com", role: "project_admin" }];
    let visibility = "private";
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("owner", "project_admin") },
      "GET /v1/projects": () => ({ body: { projects: [{ id: "p1", name: "Default", visibility, role: "project_admin" }] } }),
      "GET /v1/projects/p1/members": () => ({ body: { members: projectMembers } }),
      "POST /v1/projects/p1/members": (req) => {
        const { email, role } = req.body as { email: string; role: string };
        projectMembers = [...projectMembers, { user_id: "u2", email, role }];
        return { status: 201, body: { user_id: "u2", email, role } };
      },
      "PATCH /v1/projects/p1": (req) => {
        visibility = (req.body as { visibility: string }).visibility;
        return { body: { id: "p1", name: "Default", visibility, role: "project_admin" } };
      },
    });
    render("/settings/project");
    await screen.findByText("ada@example.com");
    fireEvent.change(screen.getByLabelText("Member email"), { target: { value: "vera@example.com" } });
    fireEvent.change(screen.getByLabelText("Project role"), { target: { value: "project_viewer" } });
    fireEvent.click(screen.getByRole("button", { name: "Add to project" }));
    await screen.findByText("vera@example.com");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ email: "vera@example.com", role: "project_viewer" });

    fireEvent.click(screen.getByRole("radio", { name: /Public/ }));
    await waitFor(() => expect((screen.getByRole("radio", { name: /Public/ }) as HTMLInputElement).checked).toBe(true));
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ visibility: "public" });
  });

  it("shows a refused addition next to the form", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("owner", "project_admin") },
      "GET /v1/projects": { body: { projects: [{ id: "p1", name: "Default", visibility: "private", role: "project_admin" }] } },
      "GET /v1/projects/p1/members": { body: { members: [] } },
      "POST /v1/projects/p1/members": { status: 404, body: { error: "no active workspace member with that email" } },
    });
    render("/settings/project");
    await screen.findByRole("heading", { name: "Project members" });
    fireEvent.change(screen.getByLabelText("Member email"), { target: { value: "nobody@example.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Add to project" }));
    const form = screen.getByRole("form", { name: "Add a project member" });
    await waitFor(() => expect(form.querySelector("[role=alert]")?.textContent).toBe("no active workspace member with that email"));
  });
});

describe("Settings → Webhooks", () => {
  const hook = { id: "h1", workflow_id: "w1", name: "crm", enabled: true, ingress_url: "http://srv/v1/inbound-webhooks/h1" };

  it("creates a webhook bound to a workflow:run key and shows the secret once with a signing curl", async () => {
    let hooks: unknown[] = [];
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/inbound-webhooks": () => ({ body: { inbound_webhooks: hooks } }),
      "GET /v1/workflows": { body: { workflows: [{ id: "w1", name: "Ingest lead", status: "published" }] } },
      "GET /v1/pats": {
        body: {
          pats: [
            { id: "k1", name: "reader", scopes: ["workflow:read"] },
            { id: "k2", name: "runner", scopes: ["workflow:run"] },
            { id: "k3", name: "old runner", scopes: ["workflow:run"], revoked_at: "2026-01-01T00:00:00Z" },
            { id: "k4", name: "admin runner", scopes: ["workflow:run", "admin"] },
          ],
        },
      },
      "POST /v1/inbound-webhooks": () => {
        hooks = [hook];
        return { status: 201, body: { ...hook, signing_secret: "whsec_once" } };
      },
    });
    render("/settings/webhooks");
    await screen.findByText("No webhooks in this project yet.");
    const keys = screen.getByLabelText("API key deliveries must carry") as HTMLSelectElement;
    await waitFor(() => expect(Array.from(keys.options).map((o) => o.textContent)).toContain("runner"));
    expect(Array.from(keys.options).map((o) => o.textContent)).not.toContain("reader");
    expect(Array.from(keys.options).map((o) => o.textContent)).not.toContain("old runner");
    expect(Array.from(keys.options).map((o) => o.textContent)).not.toContain("admin runner");
    fireEvent.change(screen.getByLabelText("Workflow to start"), { target: { value: "w1" } });
    fireEvent.change(screen.getByLabelText("Webhook name"), { target: { value: "crm" } });
    fireEvent.change(keys, { target: { value: "k2" } });
    fireEvent.click(screen.getByRole("button", { name: "Create webhook" }));

    expect(((await screen.findByLabelText("Signing secret")) as HTMLInputElement).value).toBe("whsec_once");
    const curl = (screen.getByLabelText("Test delivery command") as HTMLTextAreaElement).value;
    expect(curl).toContain("'http://srv/v1/inbound-webhooks/h1'");
    expect(curl).toContain("-hmac 'whsec_once'");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ workflow_id: "w1", name: "crm", automation_pat_id: "k2" });
    await screen.findByRole("cell", { name: "Ingest lead" });
    fireEvent.click(screen.getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByDisplayValue("whsec_once")).toBeNull();
  });

  it("disables a webhook and shows a refusal on its row", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/inbound-webhooks": { body: { inbound_webhooks: [hook] } },
      "GET /v1/workflows": { body: { workflows: [] } },
      "GET /v1/pats": { body: { pats: [] } },
      "PATCH /v1/inbound-webhooks/h1": { status: 403, body: { error: "contributors only" } },
    });
    render("/settings/webhooks");
    fireEvent.click(await screen.findByRole("button", { name: "Disable crm" }));
    expect((await screen.findByRole("alert")).textContent).toBe("contributors only");
  });

  it("shows a viewer the list without controls", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_viewer") },
      "GET /v1/inbound-webhooks": { body: { inbound_webhooks: [hook] } },
      "GET /v1/workflows": { body: { workflows: [] } },
      "GET /v1/pats": { body: { pats: [] } },
    });
    render("/settings/webhooks");
    await screen.findByRole("cell", { name: "crm" });
    expect(screen.queryByRole("button", { name: "Create webhook" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Disable|Delete/ })).toBeNull();
  });
});

describe("Settings → My access", () => {
  it("says who is signed in and what the current roles allow and refuse", async () => {
    fakeServer({ "GET /v1/auth/me": { body: meAs("member", "project_viewer") } });
    render("/settings/access");
    const project = await screen.findByRole("list", { name: /^What you can do in the project / });
    const items = [...project.querySelectorAll("li")].map((li) => li.textContent);
    expect(items).toContain("✔ Read workflows, versions, runs and their events: allowed");
    expect(items).toContain("✖ Create, edit and publish workflows: not allowed");
    expect(items).toContain("✖ Approve or reject human tasks: not allowed");
    const workspace = screen.getByRole("list", { name: /^What you can do in the workspace / });
    expect(workspace.textContent).toContain("Manage vault secrets and LLM provider keys: not allowed");
    expect(screen.getByRole("table", { name: "Your role in each workspace and project" }).textContent).toContain("Viewer");
  });

  it("shows a workspace admin the admin rights and a contributor the edit rights", async () => {
    fakeServer({ "GET /v1/auth/me": { body: meAs("owner", "project_contributor") } });
    render("/settings/access");
    const project = await screen.findByRole("list", { name: /^What you can do in the project / });
    expect(project.textContent).toContain("Approve or reject human tasks: allowed");
    expect(project.textContent).toContain("Manage project members and visibility: not allowed");
    expect(screen.getByRole("list", { name: /^What you can do in the workspace / }).textContent).toContain(
      "Invite members and change their roles: allowed",
    );
  });
});
