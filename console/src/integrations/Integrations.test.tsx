// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../api/types";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import Connections from "./Connections";
import Mcp from "./Mcp";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function meAs(workspaceRole: string, projectRole: string): Me {
  const me = meWithRole(projectRole);
  return { ...me, workspaces: me.workspaces.map((w) => ({ ...w, role: workspaceRole })) };
}

const stripe = {
  id: "c1",
  project_id: "p1",
  display_name: "Stripe (live)",
  provider: "stripe",
  auth_type: "api_key",
  credential_keys: ["api_key"],
  status: "active",
};

describe("Connections", () => {
  it("creates an API-key connection from password inputs, lists it without the value, and clears the form", async () => {
    let list: unknown[] = [];
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/connections": () => ({ body: { connections: list } }),
      "POST /v1/connections": () => {
        list = [stripe, { ...stripe, id: "c2", display_name: "Old", status: "needs_reauth", status_reason: "refresh token revoked" }];
        return { status: 201, body: stripe };
      },
    });
    renderAt(<Connections />, "/connections");
    await screen.findByText("No connections in this project yet.");
    const form = screen.getByRole("form", { name: "Create connection" });
    fireEvent.change(within(form).getByLabelText("Display name"), { target: { value: "Stripe (live)" } });
    fireEvent.change(within(form).getByLabelText("Provider"), { target: { value: "stripe" } });
    const value = within(form).getByLabelText("Value of api_key") as HTMLInputElement;
    expect(value.type).toBe("password");
    fireEvent.change(value, { target: { value: "sk_live_secret" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create connection" }));

    await screen.findByRole("cell", { name: "Stripe (live)" });
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      display_name: "Stripe (live)",
      provider: "stripe",
      auth_type: "api_key",
      credentials: { api_key: "sk_live_secret" },
    });
    expect(screen.getByText(/needs re-authorization/)).toBeTruthy();
    expect(screen.getByText(/refresh token revoked/)).toBeTruthy();
    expect(screen.queryByDisplayValue("sk_live_secret")).toBeNull();
    expect(document.body.textContent).not.toContain("sk_live_secret");
  });

  it("basic auth asks for username and password; the server's refusal is shown at the form", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/connections": { body: { connections: [] } },
      "POST /v1/connections": { status: 400, body: { error: "`credentials.password` must be a non-empty string" } },
    });
    renderAt(<Connections />, "/connections");
    await screen.findByText("No connections in this project yet.");
    const form = screen.getByRole("form", { name: "Create connection" });
    fireEvent.change(within(form).getByLabelText("Auth type"), { target: { value: "basic" } });
    expect(within(form).getByLabelText("Value of username")).toBeTruthy();
    fireEvent.change(within(form).getByLabelText("Display name"), { target: { value: "DB" } });
    fireEvent.change(within(form).getByLabelText("Provider"), { target: { value: "pg" } });
    fireEvent.change(within(form).getByLabelText("Value of username"), { target: { value: "u" } });
    fireEvent.change(within(form).getByLabelText("Value of password"), { target: { value: "p" } });
    fireEvent.submit(form);
    await waitFor(() => expect(form.querySelector("[role=alert]")?.textContent).toBe("`credentials.password` must be a non-empty string"));
  });

  it("replaces the credentials of a connection and deletes another after confirming", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/connections": { body: { connections: [stripe] } },
      "PATCH /v1/connections/c1": { body: stripe },
      "DELETE /v1/connections/c1": { status: 409, body: { error: "the connection changed meanwhile; read it again and retry" } },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    renderAt(<Connections />, "/connections");
    fireEvent.click(await screen.findByRole("button", { name: "Edit Stripe (live)" }));
    const form = screen.getByRole("form", { name: "Edit Stripe (live)" });
    fireEvent.click(within(form).getByLabelText(/Replace the credentials/));
    fireEvent.change(within(form).getByLabelText("Value of api_key"), { target: { value: "sk_new" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ display_name: "Stripe (live)", credentials: { api_key: "sk_new" } }));

    fireEvent.click(await screen.findByRole("button", { name: "Delete Stripe (live)" }));
    const row = screen.getByRole("cell", { name: "Stripe (live)" }).closest("tr") as HTMLElement;
    await waitFor(() => expect(row.querySelector("[role=alert]")?.textContent).toBe("the connection changed meanwhile; read it again and retry"));
  });

  it("starts OAuth and sends the browser to the provider; shows the refusal otherwise", async () => {
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, assign });
    let refuse = true;
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/connections": { body: { connections: [] } },
      "POST /v1/connections/oauth/start": () =>
        refuse
          ? { status: 400, body: { error: "`authorization_url` host resolves to a private address; ask the operator to allow it" } }
          : { body: { authorize_url: "https://auth.example.com/authorize?state=s", state: "s", redirect_uri: "x", expires_at: "y" } },
    });
    renderAt(<Connections />, "/connections");
    const form = await screen.findByRole("form", { name: "Connect with OAuth" });
    fireEvent.change(within(form).getByLabelText("Connection name"), { target: { value: "Drive" } });
    fireEvent.change(within(form).getByLabelText("OAuth provider"), { target: { value: "google" } });
    fireEvent.change(within(form).getByLabelText("Authorization URL"), { target: { value: "https://auth.example.com/authorize" } });
    fireEvent.change(within(form).getByLabelText("Token URL"), { target: { value: "https://auth.example.com/token" } });
    fireEvent.change(within(form).getByLabelText("Client ID"), { target: { value: "cid" } });
    fireEvent.change(within(form).getByLabelText("Scopes (space separated)"), { target: { value: "files.read offline_access" } });
    fireEvent.submit(form);
    await waitFor(() => expect(form.querySelector("[role=alert]")?.textContent).toMatch(/private address/));
    expect(assign).not.toHaveBeenCalled();
    refuse = false;
    fireEvent.submit(form);
    await waitFor(() => expect(assign).toHaveBeenCalledWith("https://auth.example.com/authorize?state=s"));
    expect(calls.filter((c) => c.method === "POST").at(-1)?.body).toMatchObject({ scopes: ["files.read", "offline_access"], client_id: "cid" });
  });

  it("the OAuth landing shows which connection was connected", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_viewer") },
      "GET /v1/connections": { body: { connections: [{ ...stripe, id: "c9", display_name: "Drive", auth_type: "oauth2" }] } },
    });
    renderAt(<Connections />, "/connections?connected=c9", "/connections");
    await screen.findByText("Connected: Drive is ready to use.");
    expect(screen.queryByRole("form", { name: "Create connection" })).toBeNull();
  });
});

const everything = {
  id: "s1",
  project_id: "p1",
  name: "everything",
  canonical_url: "http://127.0.0.1:3001/mcp",
  transport: "http",
  auth_mode: "none",
  source: "custom",
  current_version: 1,
  tools: [{ name: "echo", description: "Echoes back the input", input_schema: { type: "object", properties: { message: { type: "string" } } } }],
};

describe("MCP", () => {
  it("discovers a URL, shows its tools, then registers it", async () => {
    let servers: unknown[] = [];
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/mcp/platform-catalog": { body: { servers: [] } },
      "GET /v1/mcp/servers": () => ({ body: { servers } }),
      "GET /v1/mcp/instances": { body: { instances: [] } },
      "GET /v1/connections": { body: { connections: [] } },
      "POST /v1/mcp/servers/discover": { body: { url: everything.canonical_url, tools: everything.tools } },
      "POST /v1/mcp/servers": () => {
        servers = [everything];
        return { status: 201, body: everything };
      },
    });
    renderAt(<Mcp />, "/mcp");
    await screen.findByText("No servers registered in this project yet.");
    fireEvent.change(screen.getByLabelText("Server URL (Streamable HTTP)"), { target: { value: everything.canonical_url } });
    fireEvent.click(screen.getByRole("button", { name: "Discover tools" }));
    await screen.findByText(`${everything.canonical_url} offers 1 tool.`);
    expect(screen.getByRole("list", { name: "Discovered tools" }).textContent).toContain("Echoes back the input");
    fireEvent.change(screen.getByLabelText("Server name (default: its host)"), { target: { value: "everything" } });
    fireEvent.click(screen.getByRole("button", { name: "Register server" }));
    await screen.findByRole("heading", { name: "everything" });
    expect(calls.find((c) => c.method === "POST" && c.path === "/v1/mcp/servers")?.body).toEqual({ url: everything.canonical_url, name: "everything", auth_mode: "none" });
    expect(screen.getByLabelText("Input schema of echo").textContent).toContain('"message"');
  });

  it("shows a refused discovery at the URL form and a validation result on the server", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/mcp/platform-catalog": { body: { servers: [] } },
      "GET /v1/mcp/servers": { body: { servers: [everything] } },
      "GET /v1/mcp/instances": { body: { instances: [] } },
      "GET /v1/connections": { body: { connections: [] } },
      "POST /v1/mcp/servers/discover": { status: 400, body: { error: "http://10.0.0.1/mcp is refused: private address (MCP_URL_REFUSED)" } },
      "POST /v1/mcp/servers/s1/validate": { body: { ok: true, reachable: true, tools: 1, schema_issues: [], checked_at: "2026-11-28T10:00:00Z" } },
    });
    renderAt(<Mcp />, "/mcp");
    fireEvent.change(await screen.findByLabelText("Server URL (Streamable HTTP)"), { target: { value: "http://10.0.0.1/mcp" } });
    fireEvent.click(screen.getByRole("button", { name: "Discover tools" }));
    const form = screen.getByRole("form", { name: "Discover server" });
    await waitFor(() => expect(form.querySelector("[role=alert]")?.textContent).toMatch(/private address/));
    fireEvent.click(screen.getByRole("button", { name: "Validate everything" }));
    const result = await screen.findByRole("status", { name: "Validation result" });
    expect(result.textContent).toMatch(/Valid: reachable, 1 tools, schemas valid/);
  });

  it("creates a profile whose header references a vault secret, and shows a refused binding at the profile form", async () => {
    let profiles: unknown[] = [];
    let refuse = true;
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("admin", "project_contributor") },
      "GET /v1/mcp/platform-catalog": { body: { servers: [] } },
      "GET /v1/mcp/servers": { body: { servers: [everything] } },
      "GET /v1/mcp/instances": { body: { instances: [{ id: "i1", project_id: "p1", server_id: "s1", name: "everything", server_url: everything.canonical_url, transport: "http" }] } },
      "GET /v1/connections": { body: { connections: [stripe] } },
      "GET /v1/vault/secrets": { body: { secrets: [{ name: "EVERYTHING_TOKEN" }] } },
      "GET /v1/mcp/instances/i1/config-profiles": () => ({ body: { config_profiles: profiles } }),
      "POST /v1/mcp/instances/i1/config-profiles": (req) => {
        if (refuse) return { status: 422, body: { error: 'connection "c1" cannot be bound: this server has no connections registry yet; bind a vault secret instead' } };
        profiles = [{ id: "pr1", instance_id: "i1", name: "default", env: {}, ...(req.body as object), active: true }];
        return { status: 201, body: profiles[0] };
      },
    });
    renderAt(<Mcp />, "/mcp");
    fireEvent.click(await screen.findByRole("button", { name: "New profile for everything" }));
    const form = screen.getByRole("form", { name: "New config profile" });
    fireEvent.change(within(form).getByLabelText("Profile name"), { target: { value: "default" } });
    fireEvent.change(within(form).getByLabelText("Header 1 name"), { target: { value: "Authorization" } });
    fireEvent.change(within(form).getByLabelText("Header 1 value from"), { target: { value: "connection" } });
    fireEvent.change(within(form).getByLabelText("Header 1 connection"), { target: { value: "c1" } });
    fireEvent.change(within(form).getByLabelText("Header 1 credential key"), { target: { value: "api_key" } });
    fireEvent.submit(form);
    await waitFor(() => expect(form.querySelector("[role=alert]")?.textContent).toMatch(/bind a vault secret instead/));

    refuse = false;
    fireEvent.change(within(form).getByLabelText("Header 1 value from"), { target: { value: "secret" } });
    await waitFor(() => expect(within(form).getByRole("option", { name: "EVERYTHING_TOKEN" })).toBeTruthy());
    fireEvent.change(within(form).getByLabelText("Header 1 secret"), { target: { value: "EVERYTHING_TOKEN" } });
    fireEvent.change(within(form).getByLabelText("Header 1 prefix"), { target: { value: "Bearer " } });
    fireEvent.submit(form);
    await screen.findByRole("cell", { name: "default" });
    expect(calls.filter((c) => c.method === "POST").at(-1)?.body).toEqual({
      name: "default",
      headers: { Authorization: { secret: "EVERYTHING_TOKEN", prefix: "Bearer " } },
    });
    expect(screen.getByText(/vault secret EVERYTHING_TOKEN/)).toBeTruthy();
    expect(screen.getByRole("cell", { name: "active" })).toBeTruthy();
  });

  it("does not list the vault for non-admins and makes another profile active", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("member", "project_contributor") },
      "GET /v1/mcp/platform-catalog": { body: { servers: [{ name: "fs", canonical_url: "stdio:fs", transport: "stdio", tools: [] }] } },
      "GET /v1/mcp/servers": { body: { servers: [] } },
      "GET /v1/mcp/instances": { body: { instances: [{ id: "i1", project_id: "p1", server_id: "s9", name: "fs", server_url: "stdio:fs", transport: "stdio" }] } },
      "GET /v1/connections": { body: { connections: [] } },
      "GET /v1/mcp/instances/i1/config-profiles": {
        body: { config_profiles: [{ id: "a", instance_id: "i1", name: "one", env: { TOKEN: "x" }, headers: {}, active: true }, { id: "b", instance_id: "i1", name: "two", env: {}, headers: {}, active: false }] },
      },
      "POST /v1/mcp/instances/i1/config-profiles/b/set-active": { status: 404, body: { error: "config profile not found" } },
    });
    renderAt(<Mcp />, "/mcp");
    fireEvent.click(await screen.findByRole("button", { name: "Set active: two" }));
    const row = screen.getByRole("cell", { name: "two" }).closest("tr") as HTMLElement;
    await waitFor(() => expect(row.querySelector("[role=alert]")?.textContent).toBe("config profile not found"));
    expect(calls.some((c) => c.path === "/v1/vault/secrets")).toBe(false);
    expect(screen.getByText("TOKEN")).toBeTruthy();
  });
});
