// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { GoogleAccount, GoogleConfig, Me } from "../api/types";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import Connections from "./Connections";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function meAs(projectRole: string): Me {
  return meWithRole(projectRole);
}

const CONFIG: GoogleConfig = {
  enabled: true,
  redirect_uri: "http://localhost/v1/connections/oauth/callback",
  identity_scopes: ["openid", "email"],
  services: [
    { service: "gmail", title: "Gmail", scopes: ["https://www.googleapis.com/auth/gmail.modify"] },
    { service: "google-drive", title: "Google Drive", scopes: ["https://www.googleapis.com/auth/drive"] },
    { service: "google-sheets", title: "Google Sheets", scopes: ["https://www.googleapis.com/auth/spreadsheets"] },
  ],
};

const work = { id: "g1", project_id: "p1", display_name: "Work Google", provider: "google", auth_type: "oauth2", credential_keys: ["access_token"], status: "active" };

function account(enabled: string[], granted = ["gmail", "google-sheets"]): GoogleAccount {
  return {
    connection_id: "g1",
    display_name: "Work Google",
    email: "ada@example.com",
    status: "active",
    services: CONFIG.services.map((s) => ({ ...s, enabled: enabled.includes(s.service), granted: granted.includes(s.service) })),
    granted_scopes: [],
  };
}

const render = () => renderAt(<Connections />, "/connections");

describe("Connections → Google account", () => {
  it("connects: picks services and a name, then sends the browser to Google", async () => {
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, assign });
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("project_contributor") },
      "GET /v1/connections": { body: { connections: [] } },
      "GET /v1/connections/google/config": { body: CONFIG },
      "POST /v1/connections/google/oauth-url": { body: { url: "https://accounts.google.com/o/oauth2/v2/auth?state=s1", state: "s1" } },
    });
    render();
    const form = await screen.findByRole("form", { name: "Connect a Google account" });
    const connect = (await within(form).findByRole("button", { name: "Connect with Google" })) as HTMLButtonElement;
    expect(connect.disabled).toBe(true);
    fireEvent.click(within(form).getByLabelText("Gmail"));
    fireEvent.click(within(form).getByLabelText("Google Sheets"));
    fireEvent.change(within(form).getByLabelText("Connection name (optional)"), { target: { value: "Work Google" } });
    fireEvent.click(connect);
    await waitFor(() => expect(assign).toHaveBeenCalledWith("https://accounts.google.com/o/oauth2/v2/auth?state=s1"));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ services: ["gmail", "google-sheets"], display_name: "Work Google" });
  });

  it("says when Google is not set up on the server, and shows the server's refusal to start", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("project_contributor") },
      "GET /v1/connections": { body: { connections: [] } },
      "GET /v1/connections/google/config": { body: { ...CONFIG, enabled: false } },
    });
    render();
    const form = await screen.findByRole("form", { name: "Connect a Google account" });
    await within(form).findByText(/Google sign-in is not set up on this server/);
    expect(within(form).queryByRole("button", { name: "Connect with Google" })).toBeNull();
  });

  it("shows the account and saves a service turned off with PATCH", async () => {
    let enabled = ["gmail", "google-sheets"];
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("project_contributor") },
      "GET /v1/connections": { body: { connections: [work] } },
      "GET /v1/connections/google/config": { body: CONFIG },
      "GET /v1/connections/google/accounts/g1": () => ({ body: account(enabled) }),
      "PATCH /v1/connections/google/accounts/g1/services": (req) => {
        const changes = (req.body as { services: Record<string, boolean> }).services;
        enabled = enabled.filter((s) => changes[s] !== false);
        return { body: account(enabled) };
      },
    });
    render();
    const form = await screen.findByRole("form", { name: "Services of Work Google" });
    expect(form.textContent).toContain("ada@example.com");
    const save = within(form).getByRole("button", { name: "Save services" }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    expect((within(form).getByLabelText("Gmail") as HTMLInputElement).checked).toBe(true);
    expect(within(form).getByText(/Google Drive/).textContent).toContain("not granted by the account");
    fireEvent.click(within(form).getByLabelText("Gmail"));
    fireEvent.click(save);
    await within(form).findByText("Services saved.");
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ services: { gmail: false } });
    expect((within(form).getByLabelText("Gmail") as HTMLInputElement).checked).toBe(false);
    expect((within(form).getByRole("button", { name: "Save services" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the 409 for a service not granted, and reconnects the same connection to add it", async () => {
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, assign });
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("project_contributor") },
      "GET /v1/connections": { body: { connections: [work] } },
      "GET /v1/connections/google/config": { body: CONFIG },
      "GET /v1/connections/google/accounts/g1": { body: account(["gmail"]) },
      "PATCH /v1/connections/google/accounts/g1/services": {
        status: 409,
        body: { error: "google-drive was not granted by this Google account: reconnect with it" },
      },
      "POST /v1/connections/google/oauth-url": { body: { url: "https://accounts.google.com/o/oauth2/v2/auth?state=s2", state: "s2" } },
    });
    render();
    const form = await screen.findByRole("form", { name: "Services of Work Google" });
    fireEvent.click(within(form).getByLabelText(/Google Drive/));
    fireEvent.click(within(form).getByRole("button", { name: "Save services" }));
    expect((await within(form).findByRole("alert")).textContent).toBe("google-drive was not granted by this Google account: reconnect with it");
    fireEvent.click(within(form).getByRole("button", { name: "Reconnect to add the ticked services" }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith("https://accounts.google.com/o/oauth2/v2/auth?state=s2"));
    expect(calls.filter((c) => c.method === "POST").at(-1)?.body).toEqual({ services: ["google-drive"], connection_id: "g1" });
  });

  it("shows a viewer the account read-only", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("project_viewer") },
      "GET /v1/connections": { body: { connections: [work] } },
      "GET /v1/connections/google/accounts/g1": { body: account(["gmail"]) },
    });
    render();
    const form = await screen.findByRole("form", { name: "Services of Work Google" });
    expect((within(form).getByLabelText("Gmail") as HTMLInputElement).disabled).toBe(true);
    expect(within(form).queryByRole("button")).toBeNull();
    expect(screen.queryByRole("form", { name: "Connect a Google account" })).toBeNull();
    expect(screen.queryByRole("form", { name: "Connect WhatsApp" })).toBeNull();
  });
});

describe("Connections → Connect WhatsApp", () => {
  it("creates a WhatsApp connection from the ids and token, then forgets the token and lists it", async () => {
    let list: unknown[] = [];
    const wa = { id: "w1", project_id: "p1", display_name: "Support line", provider: "whatsapp", auth_type: "custom", credential_keys: ["access_token", "business_account_id", "phone_number_id"], status: "active" };
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meAs("project_contributor") },
      "GET /v1/connections": () => ({ body: { connections: list } }),
      "GET /v1/connections/google/config": { body: CONFIG },
      "POST /v1/connections/whatsapp/manual": () => {
        list = [wa];
        return { status: 201, body: wa };
      },
    });
    render();
    const form = await screen.findByRole("form", { name: "Connect WhatsApp" });
    fireEvent.change(within(form).getByLabelText("Connection name (optional)"), { target: { value: "Support line" } });
    fireEvent.change(within(form).getByLabelText("Phone number ID"), { target: { value: "110022" } });
    fireEvent.change(within(form).getByLabelText("WhatsApp Business account ID"), { target: { value: "102030" } });
    const token = within(form).getByLabelText("Access token") as HTMLInputElement;
    expect(token.type).toBe("password");
    fireEvent.change(token, { target: { value: "EAAGsecret" } });
    fireEvent.click(within(form).getByRole("button", { name: "Connect WhatsApp" }));
    await within(form).findByText(/Connection Support line created/);
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      display_name: "Support line",
      phone_number_id: "110022",
      waba_id: "102030",
      access_token: "EAAGsecret",
    });
    await screen.findByRole("cell", { name: "Support line" });
    expect(screen.queryByDisplayValue("EAAGsecret")).toBeNull();
  });

  it("shows the server's refusal and keeps the fields to fix", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meAs("project_contributor") },
      "GET /v1/connections": { body: { connections: [] } },
      "GET /v1/connections/google/config": { body: CONFIG },
      "POST /v1/connections/whatsapp/manual": { status: 400, body: { error: "`phone_number_id` must be 1 to 64 letters or digits" } },
    });
    render();
    const form = await screen.findByRole("form", { name: "Connect WhatsApp" });
    fireEvent.change(within(form).getByLabelText("Phone number ID"), { target: { value: "1" } });
    fireEvent.change(within(form).getByLabelText("WhatsApp Business account ID"), { target: { value: "2" } });
    fireEvent.change(within(form).getByLabelText("Access token"), { target: { value: "tok" } });
    fireEvent.submit(form);
    expect((await within(form).findByRole("alert")).textContent).toBe("`phone_number_id` must be 1 to 64 letters or digits");
    expect((within(form).getByLabelText("Phone number ID") as HTMLInputElement).value).toBe("1");
  });
});
