// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import { SessionProvider } from "../session/SessionContext";
import { SignIn } from "./SignIn";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function fill(email: string, password: string) {
  fireEvent.change(screen.getByLabelText("Email"), { target: { value: email } });
  fireEvent.change(screen.getByLabelText("Password"), { target: { value: password } });
}

describe("SignIn", () => {
  it("shows the server's refusal next to the form", async () => {
    fakeServer({
      "GET /v1/auth/me": { status: 401, body: { error: "not signed in" } },
      "POST /v1/auth/login": { status: 401, body: { error: "Wrong email or password." } },
    });
    renderAt(<SignIn />, "/sign-in");
    fill("ada@example.com", "nope");
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Wrong email or password.");
  });

  it("signs in with the typed credentials and leaves the page", async () => {
    let signedIn = false;
    const { calls } = fakeServer({
      "GET /v1/auth/me": () => (signedIn ? { body: meWithRole("project_contributor") } : { status: 401, body: { error: "no session" } }),
      "POST /v1/auth/login": () => {
        signedIn = true;
        return { body: {} };
      },
    });
    renderAt(<SignIn />, "/sign-in");
    fill("ada@example.com", "correct horse");
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("elsewhere")).toBeTruthy();
    expect(calls.find((c) => c.path === "/v1/auth/login")?.body).toEqual({ email: "ada@example.com", password: "correct horse" });
  });

  it("creates the account, then signs in", async () => {
    let signedIn = false;
    const { calls } = fakeServer({
      "GET /v1/auth/me": () => (signedIn ? { body: meWithRole("project_admin") } : { status: 401 }),
      "GET /v1/auth/signup": { body: { signup: "open" } },
      "POST /v1/auth/signup": { status: 201, body: {} },
      "POST /v1/auth/login": () => {
        signedIn = true;
        return { body: {} };
      },
    });
    renderAt(<SignIn />, "/sign-in");
    fireEvent.click(await screen.findByRole("button", { name: "Create an account" }));
    fill("new@example.com", "long enough");
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    await screen.findByText("elsewhere");
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(expect.arrayContaining(["POST /v1/auth/signup", "POST /v1/auth/login"]));
  });

  it("offers no sign-up where it is by invitation, and says how to get in", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { status: 401 },
      "GET /v1/auth/signup": { body: { signup: "invite" } },
    });
    renderAt(<SignIn />, "/sign-in");
    expect(await screen.findByText(/Accounts on this server are by invitation/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Create an account" })).toBeNull();
    expect(calls.some((c) => c.method === "POST" && c.path === "/v1/auth/signup")).toBe(false);
  });

  it("signs up with the invitation the visitor came from", async () => {
    let signedIn = false;
    const { calls } = fakeServer({
      "GET /v1/auth/me": () => (signedIn ? { body: meWithRole("project_contributor") } : { status: 401 }),
      "GET /v1/auth/signup": { body: { signup: "invite" } },
      "POST /v1/auth/signup": { status: 201, body: {} },
      "POST /v1/auth/login": () => {
        signedIn = true;
        return { body: {} };
      },
    });
    localStorage.clear();
    render(
      <MemoryRouter initialEntries={[{ pathname: "/sign-in", state: { from: "/invites/tok%2Fen" } }]}>
        <SessionProvider>
          <Routes>
            <Route path="/sign-in" element={<SignIn />} />
            <Route path="*" element={<p>elsewhere</p>} />
          </Routes>
        </SessionProvider>
      </MemoryRouter>,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Create an account" }));
    fill("invited@example.com", "long enough");
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    await screen.findByText("elsewhere");
    expect(calls.find((c) => c.method === "POST" && c.path === "/v1/auth/signup")?.body).toEqual({
      email: "invited@example.com",
      password: "long enough",
      invite_token: "tok/en",
    });
  });
});
