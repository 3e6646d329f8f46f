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

const render = () => renderAt(<SettingsPage />, "/settings/ide", "/settings/*");
const field = (label: string) => screen.getByLabelText(label, { selector: "textarea, input" }) as HTMLTextAreaElement;
const created = { id: "k1", name: "IDE (Cursor)", scopes: ["mcp:execute", "workflow:read", "workflow:run"], token: "pat_once_only" };

describe("Settings → Connect an IDE", () => {
  it("shows the Cursor snippet with this origin and a placeholder, then fills in a token made for Cursor", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_viewer") },
      "POST /v1/pats": { status: 201, body: created },
    });
    render();
    const create = await screen.findByRole("button", { name: "Create a token for Cursor" });
    expect(screen.getByRole("link", { name: "Connect an IDE" }).getAttribute("aria-current")).toBe("page");
    const before = JSON.parse(field("Cursor mcp.json").value);
    expect(before.mcpServers.agentruntime).toEqual({
      url: `${window.location.origin}/mcp`,
      headers: { Authorization: "Bearer <YOUR_PAT>" },
    });

    fireEvent.click(create);
    const token = (await screen.findByLabelText("New IDE token")) as HTMLInputElement;
    expect(token.value).toBe("pat_once_only");
    expect(screen.getByText(/It is shown only this once/).closest(".callout")?.getAttribute("role")).toBe("status");
    expect(calls.filter((c) => c.method === "POST").map((c) => c.body)).toEqual([
      { name: "IDE (Cursor)", scopes: ["workflow:read", "workflow:run", "mcp:execute"], expires_in_days: 90 },
    ]);
    expect(JSON.parse(field("Cursor mcp.json").value).mcpServers.agentruntime.headers.Authorization).toBe("Bearer pat_once_only");

    // Dismissed, the token is gone from the page and the placeholder is back.
    fireEvent.click(screen.getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByLabelText("New IDE token")).toBeNull();
    expect(screen.queryByDisplayValue(/pat_once_only/)).toBeNull();
    expect(field("Cursor mcp.json").value).toContain("<YOUR_PAT>");
  });

  it("switches clients with the radio buttons and names the token after the chosen one", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_viewer") },
      "POST /v1/pats": { status: 201, body: created },
    });
    render();
    fireEvent.click(await screen.findByRole("button", { name: "Create a token for Cursor" }));
    await screen.findByLabelText("New IDE token");

    // The Cursor token is not filled into another client's snippets.
    fireEvent.click(screen.getByRole("radio", { name: "Codex CLI" }));
    expect(field("Codex config.toml").value).toContain(`url = "${window.location.origin}/mcp"`);
    expect(field("Codex token variable").value).toBe("export AGENTRUNTIME_TOKEN='<YOUR_PAT>'");
    expect(screen.queryByLabelText("New IDE token")).toBeNull();

    fireEvent.click(screen.getByRole("radio", { name: "Claude Desktop" }));
    const desktop = JSON.parse(field("Claude Desktop configuration").value).mcpServers.agentruntime;
    expect(desktop.command).toBe("agentruntime");
    expect(desktop.env.AGENTRUNTIME_URL).toBe(window.location.origin);

    fireEvent.click(screen.getByRole("radio", { name: "Claude Code" }));
    fireEvent.click(screen.getByRole("button", { name: "Create a token for Claude Code" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(2));
    expect((calls.filter((c) => c.method === "POST")[1]?.body as { name: string }).name).toBe("IDE (Claude Code)");
    await waitFor(() => expect(field("Claude Code command").value).toContain("'Authorization: Bearer pat_once_only'"));
  });

  it("shows the server's refusal next to the button, and no token", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_viewer") },
      "POST /v1/pats": { status: 403, body: { error: "a token cannot grant the `mcp:execute` scope it does not have" } },
    });
    render();
    fireEvent.click(await screen.findByRole("button", { name: "Create a token for Cursor" }));
    expect((await screen.findByRole("alert")).textContent).toBe("a token cannot grant the `mcp:execute` scope it does not have");
    expect(screen.queryByLabelText("New IDE token")).toBeNull();
    expect(field("Cursor mcp.json").value).toContain("<YOUR_PAT>");
  });

  it("offers no token button to a user outside any workspace, and sends no request", async () => {
    const noWorkspace: Me = { ...meWithRole("project_viewer"), workspaces: [] };
    const { calls } = fakeServer({ "GET /v1/auth/me": { body: noWorkspace } });
    render();
    await screen.findByText(/Join or pick a workspace to create a token here/);
    expect(screen.queryByRole("button", { name: /Create a token/ })).toBeNull();
    expect(field("Cursor mcp.json").value).toContain("<YOUR_PAT>");
    expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
  });
});
