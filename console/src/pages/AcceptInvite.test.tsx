// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import { AcceptInvite } from "./AcceptInvite";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const render = () => renderAt(<AcceptInvite />, "/invites/inv_abc", "/invites/:token");

describe("Invite acceptance", () => {
  it("asks a signed-out visitor to sign in first", async () => {
    fakeServer({ "GET /v1/auth/me": { status: 401, body: { error: "not signed in" } } });
    render();
    const link = await screen.findByRole("link", { name: "Sign in or create an account" });
    expect(link.getAttribute("href")).toBe("/sign-in");
  });

  it("accepts the invite and switches to the joined workspace", async () => {
    let joined = false;
    const { calls } = fakeServer({
      "GET /v1/auth/me": () => {
        const me = meWithRole("project_contributor");
        if (joined) me.workspaces.push({ slug: "beta", name: "Beta", role: "member", projects: [{ id: "p2", name: "Default", role: "project_viewer" }] });
        return { body: me };
      },
      "POST /v1/invites/inv_abc/accept": () => {
        joined = true;
        return { body: { workspace: { slug: "beta", name: "Beta" } } };
      },
    });
    render();
    fireEvent.click(await screen.findByRole("button", { name: "Accept invitation" }));
    await screen.findByText("You joined Beta.");
    expect(calls.some((c) => c.method === "POST" && c.path === "/v1/invites/inv_abc/accept")).toBe(true);
    expect(JSON.parse(localStorage.getItem("agentruntime.scope") ?? "{}")).toMatchObject({ tenant: "beta", project: "p2" });
  });

  it("shows the API's words for a used invite where the user acted", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "POST /v1/invites/inv_abc/accept": { status: 409, body: { error: "the invite was already used" } },
    });
    render();
    fireEvent.click(await screen.findByRole("button", { name: "Accept invitation" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("the invite was already used"));
  });
});
