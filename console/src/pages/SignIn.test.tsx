// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
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
      "POST /v1/auth/signup": { status: 201, body: {} },
      "POST /v1/auth/login": () => {
        signedIn = true;
        return { body: {} };
      },
    });
    renderAt(<SignIn />, "/sign-in");
    fireEvent.click(screen.getByRole("button", { name: "Create an account" }));
    fill("new@example.com", "long enough");
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    await screen.findByText("elsewhere");
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(expect.arrayContaining(["POST /v1/auth/signup", "POST /v1/auth/login"]));
  });
});
