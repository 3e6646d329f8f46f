// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import type { Agent, ChatMessage, ChatThread } from "../api/types";
import { fakeServer, meWithRole, renderAt, sseStream } from "../test/harness";
import ChatPage from "./ChatPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const thread = (id: string, kind: ChatThread["kind"], title: string, last: string | null, agent_ids: string[] = []): ChatThread => ({
  id,
  project_id: "p1",
  kind,
  title,
  agent_ids,
  created_by: "u1",
  created_at: "2026-12-01T09:00:00Z",
  updated_at: last ?? "2026-12-01T09:00:00Z",
  last_message_at: last,
});
const autopilotThread = thread("cth_auto", "autopilot", "Nightly report", "2026-12-02T10:00:00Z");
const room = thread("cth_room", "channel", "Support room", "2026-12-03T10:00:00Z", ["a1"]);
const triage = { id: "a1", project_id: "p1", name: "Triage" } as Agent;

const message = (seq: number, kind: ChatMessage["author"]["kind"], id: string, text: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id: `cmsg_${seq}`,
  thread_id: "cth_room",
  seq,
  author: { kind, id },
  text,
  actions: [],
  error: null,
  run_id: null,
  created_at: "2026-12-03T10:00:00Z",
  ...extra,
});

/** The routes every Chat page reads, plus the test's own. */
function serve(routes: Parameters<typeof fakeServer>[0] = {}) {
  return fakeServer({
    "GET /v1/auth/me": { body: meWithRole("project_viewer") },
    "GET /v1/chat/threads": { body: { threads: [autopilotThread, room], next_cursor: null } },
    "GET /v1/agents": { body: { agents: [triage] } },
    ...routes,
  });
}

/** Types into the composer and presses Enter. */
function sendWithEnter(text: string) {
  const box = screen.getByRole("textbox", { name: /^Message to/ });
  fireEvent.change(box, { target: { value: text } });
  fireEvent.keyDown(box, { key: "Enter" });
}

describe("Chat page", () => {
  it("lists the threads newest first with their kind, and starts on a new Autopilot chat", async () => {
    serve();
    renderAt(<ChatPage />, "/chat", "/chat/:threadId?");
    const list = await screen.findByRole("navigation", { name: "Conversations" });
    const links = await within(list).findAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual([expect.stringMatching(/^Support roomChannel/), expect.stringMatching(/^Nightly reportAutopilot/)]);
    expect(links[0]?.getAttribute("href")).toBe("/chat/cth_room");
    expect(screen.getByRole("heading", { name: "New chat" })).toBeTruthy();
    // A viewer chats: the composer is there, in Ask mode until switched.
    expect(screen.getByRole("button", { name: "Ask" }).getAttribute("aria-pressed")).toBe("true");
  });

  it("loads the next page of threads with the cursor the first one gave", async () => {
    const older = thread("cth_old", "dm", "Last month", "2026-11-02T10:00:00Z");
    const { calls } = serve({
      "GET /v1/chat/threads": (req) =>
        req.path.includes("cursor=c2") ? { body: { threads: [older], next_cursor: null } } : { body: { threads: [autopilotThread, room], next_cursor: "c2" } },
    });
    renderAt(<ChatPage />, "/chat", "/chat/:threadId?");
    fireEvent.click(await screen.findByRole("button", { name: "Load more" }));
    await screen.findByRole("link", { name: /^Last month/ });
    expect(calls.filter((c) => c.path.startsWith("/v1/chat/threads?")).map((c) => c.path)).toEqual(["/v1/chat/threads?limit=50", "/v1/chat/threads?limit=50&cursor=c2"]);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("says so when there is no conversation yet", async () => {
    serve({ "GET /v1/chat/threads": { body: { threads: [], next_cursor: null } } });
    renderAt(<ChatPage />, "/chat", "/chat/:threadId?");
    expect(await screen.findByText(/^No conversations yet/)).toBeTruthy();
  });

  it("streams the Autopilot's tokens in order, then its actions as cards with their links", async () => {
    const stream = sseStream();
    const { calls } = serve({
      "GET /v1/chat/threads/cth_auto": { body: autopilotThread },
      "GET /v1/chat/threads/cth_auto/messages": { body: { messages: [], next_after_seq: null } },
      "GET /v1/chat/threads/cth_auto/stream": () => sseStream().response,
      "POST /v1/autopilot/chat": { status: 202, body: { thread_id: "cth_auto", message_id: "cmsg_r", stream_url: "/v1/autopilot/stream?thread_id=cth_auto&message_id=cmsg_r" } },
      "GET /v1/autopilot/stream": () => stream.response,
    });
    renderAt(<ChatPage />, "/chat/cth_auto", "/chat/:threadId?");
    await screen.findByRole("heading", { name: "Nightly report" });
    await screen.findByText(/^No messages yet/);
    fireEvent.click(screen.getByRole("button", { name: "Autopilot" }));
    sendWithEnter("Build a workflow that posts the nightly report");

    await waitFor(() => expect(calls.some((c) => c.path.startsWith("/v1/autopilot/stream"))).toBe(true));
    const post = calls.find((c) => c.method === "POST" && c.path === "/v1/autopilot/chat");
    expect(post?.body).toEqual({ message: "Build a workflow that posts the nightly report", thread_id: "cth_auto", mode: "autopilot" });
    const streamCall = calls.find((c) => c.path.startsWith("/v1/autopilot/stream"))!;
    expect(streamCall.path).toBe("/v1/autopilot/stream?thread_id=cth_auto&message_id=cmsg_r");
    // The stream carries the project like every other call.
    expect(streamCall.headers["X-Project-Id"]).toBe("p1");

    const answer = await screen.findByRole("listitem", { name: "The Autopilot's answer" });
    const text = within(answer).getByTestId("live-text");
    expect(text.getAttribute("aria-live")).toBe("polite");
    expect(text.getAttribute("aria-busy")).toBe("true");
    act(() => stream.send("token", { text: "I'll build " }));
    await waitFor(() => expect(text.textContent).toBe("I'll build "));
    act(() => {
      stream.comment("keep-alive");
      stream.send("token", { text: "it" });
      stream.send("token", { text: " now." });
    });
    await waitFor(() => expect(text.textContent).toBe("I'll build it now."));

    act(() => {
      stream.send("action", { action: "create_workflow", status: "ok", result: { workflow_id: "wf_1", name: "Nightly report", valid: true, attempts: 1 } });
      stream.send("action", { action: "run_workflow", status: "ok", result: { run_id: "run_9", workflow_id: "wf_1", status: "queued" } });
      stream.send("action", { action: "navigate", status: "ok", result: { to: "/command-center" } });
      stream.send("action", { action: "navigate", status: "ok", result: { to: "https://evil.example/" } });
      stream.send("action", { action: "workflows_list", status: "ok", result: { workflows: [{ id: "wf_1" }] } });
      stream.send("done", { message_id: "cmsg_r", text: "I'll build it now." });
    });
    await waitFor(() => expect(text.getAttribute("aria-busy")).toBe("false"));
    const created = within(answer).getByRole("article", { name: "Created a workflow" });
    expect(within(created).getByText("Nightly report")).toBeTruthy();
    expect(within(created).getByRole("link", { name: "Open in Studio" }).getAttribute("href")).toBe("/workflow/wf_1");
    expect(within(answer).getByRole("link", { name: "Open the run" }).getAttribute("href")).toBe("/workflow/wf_1/runs/run_9");
    expect(within(answer).getByRole("link", { name: "Go to /command-center" }).getAttribute("href")).toBe("/command-center");
    // A path outside the console is shown, never linked.
    expect(within(answer).queryByRole("link", { name: /evil/ })).toBeNull();
    expect(within(answer).getByLabelText("Result of workflows_list").textContent).toContain('"wf_1"');

    fireEvent.click(within(created).getByRole("link", { name: "Open in Studio" }));
    expect(await screen.findByText("elsewhere")).toBeTruthy();
  });

  it("starts a new chat in Ask mode, then opens the thread the Autopilot made", async () => {
    const { calls } = serve({
      "POST /v1/autopilot/chat": { status: 202, body: { thread_id: "cth_new", message_id: "cmsg_2", stream_url: "/v1/autopilot/stream?thread_id=cth_new&message_id=cmsg_2" } },
      "GET /v1/chat/threads/cth_new": { body: thread("cth_new", "autopilot", "How many runs failed?", "2026-12-04T10:00:00Z") },
      "GET /v1/chat/threads/cth_new/messages": { body: { messages: [message(1, "user", "u1", "How many runs failed?", { thread_id: "cth_new" })], next_after_seq: null } },
      "GET /v1/chat/threads/cth_new/stream": () => sseStream().response,
      "GET /v1/autopilot/stream": () => {
        const s = sseStream();
        s.send("token", { text: "None today." });
        s.send("done", { message_id: "cmsg_2", text: "None today." });
        return s.response;
      },
    });
    renderAt(<ChatPage />, "/chat", "/chat/:threadId?");
    await screen.findByRole("heading", { name: "New chat" });
    sendWithEnter("How many runs failed?");
    await screen.findByRole("heading", { name: "How many runs failed?" });
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ message: "How many runs failed?", mode: "ask" });
    // The user's own message is labelled "You"; the answer streams in below it.
    expect(await screen.findByText("You")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("live-text").textContent).toBe("None today."));
  });

  it("replaces the live answer with the stored reply once its stream has ended", async () => {
    // As in Chromium, where scrollIntoView returns a promise (an effect must not return it).
    const scroll = vi.fn(() => Promise.resolve());
    Object.defineProperty(HTMLElement.prototype, "scrollIntoView", { value: scroll, configurable: true, writable: true });
    onTestFinished(() => void delete (HTMLElement.prototype as { scrollIntoView?: unknown }).scrollIntoView);
    const threadStream = sseStream();
    const answerStream = sseStream();
    serve({
      "GET /v1/chat/threads/cth_auto": { body: autopilotThread },
      "GET /v1/chat/threads/cth_auto/messages": { body: { messages: [], next_after_seq: null } },
      "GET /v1/chat/threads/cth_auto/stream": () => threadStream.response,
      "POST /v1/autopilot/chat": { status: 202, body: { thread_id: "cth_auto", message_id: "cmsg_r", stream_url: "/v1/autopilot/stream?thread_id=cth_auto&message_id=cmsg_r" } },
      "GET /v1/autopilot/stream": () => answerStream.response,
    });
    renderAt(<ChatPage />, "/chat/cth_auto", "/chat/:threadId?");
    await screen.findByText(/^No messages yet/);
    sendWithEnter("Hello");
    await screen.findByRole("listitem", { name: "The Autopilot's answer" });
    // Sending again waits for the answer.
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true);
    act(() => {
      threadStream.send("message", message(1, "user", "u1", "Hello", { thread_id: "cth_auto" }), 1);
      threadStream.send("message", { ...message(2, "autopilot", "autopilot", "Hi! What shall we build?", { thread_id: "cth_auto" }), id: "cmsg_r" }, 2);
    });
    await screen.findByText("Hello");
    // The stored reply came before the live answer ended: it is not shown twice.
    act(() => answerStream.send("token", { text: "Hi! What" }));
    await screen.findByText("Hi! What");
    expect(screen.queryByText("Hi! What shall we build?")).toBeNull();
    act(() => {
      answerStream.send("token", { text: " shall we build?" });
      answerStream.send("done", { message_id: "cmsg_r", text: "Hi! What shall we build?" });
    });
    await waitFor(() => expect(screen.queryByRole("listitem", { name: "The Autopilot's answer" })).toBeNull());
    expect(screen.getByText("Hi! What shall we build?").closest("li")?.getAttribute("data-seq")).toBe("2");
    // The growing answer was kept in view.
    expect(scroll).toHaveBeenCalled();
    expect(screen.getAllByRole("listitem").filter((li) => li.classList.contains("chat-message")).length).toBe(2);
  });

  it("shows an agent room's replies from its stream, with who is replying meanwhile", async () => {
    const threadStream = sseStream();
    const { calls } = serve({
      "GET /v1/chat/threads/cth_room": { body: room },
      "GET /v1/chat/threads/cth_room/messages": { body: { messages: [message(1, "user", "u2", "Morning all")], next_after_seq: null } },
      "GET /v1/chat/threads/cth_room/stream": () => threadStream.response,
      "POST /v1/chat/threads/cth_room/messages": (req) => ({ status: 201, body: message(2, "user", "u1", (req.body as { text: string }).text) }),
    });
    renderAt(<ChatPage />, "/chat/cth_room", "/chat/:threadId?");
    await screen.findByText("Morning all");
    expect(screen.getByText("with Triage")).toBeTruthy();
    // An agent room has no Ask / Autopilot switch.
    expect(screen.queryByRole("group", { name: "Mode" })).toBeNull();
    await waitFor(() => expect(calls.some((c) => c.path === "/v1/chat/threads/cth_room/stream?after_seq=1")).toBe(true));

    const box = screen.getByRole("textbox", { name: "Message to Support room" });
    fireEvent.change(box, { target: { value: "Any open tickets?" } });
    // Shift+Enter is a new line, not a send.
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    fireEvent.keyDown(box, { key: "Enter" });
    await screen.findByText("Any open tickets?");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ text: "Any open tickets?" });
    await waitFor(() => expect((box as HTMLTextAreaElement).value).toBe(""));

    act(() => threadStream.send("turn", { turn_id: "t1", agent_id: "a1", status: "running", run_id: null }));
    expect((await screen.findByRole("status")).textContent).toBe("Triage is replying…");
    act(() => {
      threadStream.send("message", message(3, "agent", "a1", "Two, both assigned."), 3);
      threadStream.send("turn", { turn_id: "t1", agent_id: "a1", status: "completed", run_id: null });
    });
    await screen.findByText("Two, both assigned.");
    await waitFor(() => expect(screen.queryByText("Triage is replying…")).toBeNull());
    const reply = screen.getByText("Two, both assigned.").closest("li")!;
    expect(within(reply).getByText("Triage")).toBeTruthy();
  });

  it("creates an agent room from the form and opens it", async () => {
    const { calls } = serve({
      "POST /v1/chat/threads": { status: 201, body: thread("cth_dm", "dm", "Ask Triage", null, ["a1"]) },
      "GET /v1/chat/threads/cth_dm": { body: thread("cth_dm", "dm", "Ask Triage", null, ["a1"]) },
      "GET /v1/chat/threads/cth_dm/messages": { body: { messages: [], next_after_seq: null } },
      "GET /v1/chat/threads/cth_dm/stream": () => sseStream().response,
    });
    renderAt(<ChatPage />, "/chat", "/chat/:threadId?");
    fireEvent.click(await screen.findByRole("button", { name: "New agent room" }));
    const form = screen.getByRole("form", { name: "New agent room" });
    fireEvent.change(within(form).getByLabelText("Title"), { target: { value: "Ask Triage" } });
    fireEvent.click(await within(form).findByLabelText("Triage"));
    fireEvent.click(within(form).getByRole("button", { name: "Create room" }));
    await screen.findByRole("heading", { name: "Ask Triage" });
    expect(screen.queryByRole("form", { name: "New agent room" })).toBeNull();
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ kind: "dm", agent_ids: ["a1"], title: "Ask Triage" });
  });

  it("shows the server's refusals readably: 422 on a room, 403 on Autopilot, 404 on a thread, an error frame", async () => {
    serve({
      "POST /v1/chat/threads": { status: 422, body: { error: "agent a_gone is not an agent of this project" } },
      "POST /v1/autopilot/chat": { status: 403, body: { error: "Autopilot is not allowed for this token" } },
    });
    renderAt(<ChatPage />, "/chat", "/chat/:threadId?");
    fireEvent.click(await screen.findByRole("button", { name: "New agent room" }));
    fireEvent.click(within(screen.getByRole("form", { name: "New agent room" })).getByRole("button", { name: "Create room" }));
    expect((await screen.findByRole("alert")).textContent).toBe("agent a_gone is not an agent of this project");
    // A thread picked in the list closes the form.
    fireEvent.click(screen.getByRole("link", { name: /^Support room/ }));
    await waitFor(() => expect(screen.queryByRole("form", { name: "New agent room" })).toBeNull());
    fireEvent.click(screen.getByRole("button", { name: "New chat" }));
    sendWithEnter("hello");
    expect((await screen.findByRole("alert")).textContent).toBe("Autopilot is not allowed for this token");
    // The text stays, so it can be sent again.
    expect((screen.getByRole("textbox", { name: /^Message to/ }) as HTMLTextAreaElement).value).toBe("hello");
  });

  it("answers an unknown thread like a missing one, and shows a failed turn's error", async () => {
    serve({ "GET /v1/chat/threads/cth_nope": { status: 404, body: { error: "chat thread not found" } } });
    renderAt(<ChatPage />, "/chat/cth_nope", "/chat/:threadId?");
    expect((await screen.findByRole("alert")).textContent).toBe("chat thread not found");
    cleanup();

    const stream = sseStream();
    serve({
      "GET /v1/chat/threads/cth_auto": { body: autopilotThread },
      "GET /v1/chat/threads/cth_auto/messages": { body: { messages: [], next_after_seq: null } },
      "GET /v1/chat/threads/cth_auto/stream": () => sseStream().response,
      "POST /v1/autopilot/chat": { status: 202, body: { thread_id: "cth_auto", message_id: "cmsg_r", stream_url: "/v1/autopilot/stream?thread_id=cth_auto&message_id=cmsg_r" } },
      "GET /v1/autopilot/stream": () => stream.response,
    });
    renderAt(<ChatPage />, "/chat/cth_auto", "/chat/:threadId?");
    await screen.findByText(/^No messages yet/);
    sendWithEnter("Run it");
    await screen.findByRole("listitem", { name: "The Autopilot's answer" });
    act(() => stream.send("error", { code: "MODEL_UNAVAILABLE", message: "The model did not answer" }));
    expect((await screen.findByRole("alert")).textContent).toBe("The model did not answer (MODEL_UNAVAILABLE)");
    // The turn is over: the composer takes a new message.
    fireEvent.change(screen.getByRole("textbox", { name: /^Message to/ }), { target: { value: "Try again" } });
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(false);
  });
});
