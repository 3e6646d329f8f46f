// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../api/types";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import { SettingsPage } from "./SettingsPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function meAs(workspaceRole: string): Me {
  const me = meWithRole("project_contributor");
  return { ...me, workspaces: me.workspaces.map((w) => ({ ...w, role: workspaceRole })) };
}

const render = (path: string) => renderAt(<SettingsPage />, path, "/settings/*");

describe("Settings → Secrets", () => {
  it("adds a secret from a password field; the list shows its name, never the value", async () => {
    let secrets: unknown[] = [];
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("admin") },
      "GET /v1/vault/secrets": () => ({ body: { secrets } }),
      "PUT /v1/vault/secrets/EVERYTHING_TOKEN": () => {
        secrets = [{ name: "EVERYTHING_TOKEN", description: "for the everything server", updated_at: "2026-11-28T10:00:00Z" }];
        return { status: 201, body: secrets[0] };
      },
    });
    render("/settings/secrets");
    await screen.findByText("No secrets in this workspace yet.");
    fireEvent.change(screen.getByLabelText("Secret name"), { target: { value: "EVERYTHING_TOKEN" } });
    const value = screen.getByLabelText("Value") as HTMLInputElement;
    expect(value.type).toBe("password");
    fireEvent.change(value, { target: { value: "s3cr3t-value" } });
    fireEvent.change(screen.getByLabelText("Description"), { target: { value: "for the everything server" } });
    fireEvent.click(screen.getByRole("button", { name: "Add secret" }));
    await screen.findByText("Secret EVERYTHING_TOKEN added.");
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ value: "s3cr3t-value", description: "for the everything server" });
    expect(screen.getByRole("cell", { name: "for the everything server" })).toBeTruthy();
    expect(document.body.textContent).not.toContain("s3cr3t-value");
    expect(screen.queryByDisplayValue("s3cr3t-value")).toBeNull();
  });

  it("shows a refused name at the form and a refused delete on the row", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("owner") },
      "GET /v1/vault/secrets": { body: { secrets: [{ name: "OLD" }] } },
      "PUT /v1/vault/secrets/bad%20name": { status: 400, body: { error: "secret names match ^[A-Za-z_][A-Za-z0-9_.-]{0,127}$" } },
      "DELETE /v1/vault/secrets/OLD": { status: 404, body: { error: "secret not found" } },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    render("/settings/secrets");
    await screen.findByRole("cell", { name: "OLD" });
    fireEvent.change(screen.getByLabelText("Secret name"), { target: { value: "bad name" } });
    fireEvent.change(screen.getByLabelText("Value"), { target: { value: "v" } });
    const form = screen.getByRole("form", { name: "Add or replace secret" });
    fireEvent.submit(form);
    await waitFor(() => expect(form.querySelector("[role=alert]")?.textContent).toMatch(/secret names match/));
    fireEvent.click(screen.getByRole("button", { name: "Delete OLD" }));
    const row = screen.getByRole("cell", { name: "OLD" }).closest("tr") as HTMLElement;
    await waitFor(() => expect(row.querySelector("[role=alert]")?.textContent).toBe("secret not found"));
  });

  it("tells members that only workspace admins manage secrets, without asking the server", async () => {
    const { calls } = fakeServer({ "GET /v1/auth/me": { body: meAs("member") } });
    render("/settings/secrets");
    await screen.findByText(/Only workspace admins can see and change/);
    expect(calls.some((c) => c.path.startsWith("/v1/vault"))).toBe(false);
  });
});

describe("Settings → Providers", () => {
  it("adds a workspace key for a catalog provider and shows the catalog's key columns", async () => {
    let keys: unknown[] = [];
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("admin") },
      "GET /v1/llm-provider-keys": () => ({ body: { llm_provider_keys: keys } }),
      "GET /v1/llm-provider-keys/catalog": () => ({
        body: {
          providers: [
            { name: "openai", flavor: "openai_compatible", requires_api_key: true, workspace_key: keys.length > 0, system_key: false },
            { name: "ollama", flavor: "openai_compatible", requires_api_key: false, workspace_key: false, system_key: true },
          ],
        },
      }),
      "POST /v1/llm-provider-keys": () => {
        keys = [{ id: "k1", provider: "openai", label: "team" }];
        return { status: 201, body: keys[0] };
      },
    });
    render("/settings/providers");
    await screen.findByText("No workspace keys yet.");
    await screen.findByRole("option", { name: "openai" });
    fireEvent.change(screen.getByLabelText("Provider"), { target: { value: "openai" } });
    const key = screen.getByLabelText("API key") as HTMLInputElement;
    expect(key.type).toBe("password");
    fireEvent.change(key, { target: { value: "sk-test-123" } });
    fireEvent.change(screen.getByLabelText("Label"), { target: { value: "team" } });
    fireEvent.click(screen.getByRole("button", { name: "Add key" }));
    await screen.findByRole("button", { name: "Delete key openai (team)" });
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ provider: "openai", api_key: "sk-test-123", label: "team" });
    expect((screen.getByLabelText("API key") as HTMLInputElement).value).toBe("");
    const catalog = screen.getByRole("table", { name: "Providers this server knows" });
    const openai = within(catalog).getByRole("cell", { name: "openai" }).closest("tr") as HTMLElement;
    await waitFor(() => expect(Array.from(openai.querySelectorAll("td")).map((td) => td.textContent)).toEqual(["openai", "OpenAI-compatible", "yes", "yes", "no"]));
    expect(document.body.textContent).not.toContain("sk-test-123");
  });

  it("shows the server's refusal at the add form", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("admin") },
      "GET /v1/llm-provider-keys": { body: { llm_provider_keys: [] } },
      "GET /v1/llm-provider-keys/catalog": { body: { providers: [{ name: "openai", flavor: "openai_compatible", requires_api_key: true, workspace_key: false, system_key: false }] } },
      "POST /v1/llm-provider-keys": { status: 400, body: { error: "unknown provider \"openai\"; the catalog lists the known ones" } },
    });
    render("/settings/providers");
    await screen.findByRole("option", { name: "openai" });
    fireEvent.change(screen.getByLabelText("Provider"), { target: { value: "openai" } });
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: "k" } });
    const form = screen.getByRole("form", { name: "Add LLM key" });
    fireEvent.submit(form);
    await waitFor(() => expect(form.querySelector("[role=alert]")?.textContent).toMatch(/unknown provider/));
  });
});
