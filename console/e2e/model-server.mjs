/**
 * A scripted OpenAI-compatible model server for the browser tests: the one stand-in the
 * tests allow, for the LLM (docs/contract.md §13 — the Autopilot is an agent on a model).
 * It speaks `POST …/chat/completions` (any prefix; point `AR_OPENAI_BASE_URL` at
 * `${url}/v1`) both ways a client may ask: `stream: true` as real OpenAI Server-Sent Events
 * (`chat.completion.chunk` frames, streamed `tool_calls` deltas with their arguments cut in
 * pieces, a usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`),
 * and a plain `chat.completion` JSON answer otherwise.
 *
 * The script answers by what the request contains, never by how many calls came before,
 * so it does not depend on how the server words its prompts or how often it repairs:
 *
 * 0. The request asks for JSON output (`response_format` other than text) → `GRAPH` (below).
 * 1. The request offers a tool named `create_workflow` (the Autopilot in autopilot mode):
 *    - its last message is a tool result (`role: "tool"`) → the final text, `FINAL_TEXT`,
 *      streamed in several small pieces;
 *    - otherwise (the user just spoke) → a short text, `INTRO_TEXT`, then one
 *      `create_workflow` tool call with `{"description": <the last user message>}`.
 * 2. The request offers the reference MCP server's `echo` tool (an agent of
 *    e2e/agent-rounds.test.mjs) → an `echo` call, every time: an agent that never stops by
 *    itself, so its turn ends at its `max_turns`.
 * 3. The request offers other tools, none of them `create_workflow` (e.g. ask mode) → `ASK_TEXT`.
 * 4. The request offers no tools and mentions a graph, steps or a workflow (create_workflow
 *    asking the model to write the graph, or to repair it after validation) → `GRAPH` as
 *    JSON text: a valid one-step graph (a `lua_script`, which runs offline), the same every
 *    time, so a repair round gets a valid answer too.
 * 5. Anything else → `ASK_TEXT`.
 *
 * Pieces of a streamed answer are sent `delayMs` apart, so a browser can watch the text
 * grow token by token. Every request body is kept in `requests` for the test to inspect.
 */
import { createServer } from "node:http";

export const INTRO_TEXT = "I'll build that workflow for you.";
export const FINAL_TEXT = "Done: the workflow “Nightly report” is ready as a draft. Open it in the Studio to review it.";
export const ASK_TEXT = "I can only answer questions in this mode.";

/** The graph the model "writes": one Lua step, valid for dry-run validation (docs/validation.md). */
export const GRAPH = {
  steps: [{ id: "build-report", type: "lua_script", name: "Build the report", script: "return { lines = 3, ok = true }" }],
};

/** Splits `text` into pieces of a few characters each (the "tokens" of the stream). */
export function pieces(text, size = 6) {
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const toolNames = (body) => (Array.isArray(body.tools) ? body.tools.map((t) => t?.function?.name).filter(Boolean) : []);

/** The text content of a message (a string, or a list of typed parts). */
function contentText(message) {
  const c = message?.content;
  if (typeof c === "string") return c;
  if (Array.isArray(c)) return c.map((p) => (typeof p?.text === "string" ? p.text : "")).join("");
  return "";
}

/** What the script answers to one request: `{text, toolCall?}` (rules in the file's comment). */
export function answerFor(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  const tools = toolNames(body);
  // A request for JSON output is the graph writer, whatever tools it carries.
  if (body.response_format && body.response_format.type !== "text") return { text: JSON.stringify(GRAPH) };
  if (tools.includes("create_workflow")) {
    if (last?.role === "tool") return { text: FINAL_TEXT };
    const lastUser = [...messages].reverse().find((m) => m.role === "user");
    return { text: INTRO_TEXT, toolCall: { name: "create_workflow", arguments: { description: contentText(lastUser) || "a workflow" } } };
  }
  if (tools.includes("echo")) return { text: "", toolCall: { name: "echo", arguments: { message: `round ${messages.filter((m) => m.role === "tool").length + 1}` } } };
  if (tools.length > 0) return { text: ASK_TEXT };
  const all = messages.map(contentText).join("\n");
  if (/graph|steps|workflow/i.test(all)) return { text: JSON.stringify(GRAPH) };
  return { text: ASK_TEXT };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Writes `answer` as OpenAI stream chunks. */
async function streamAnswer(res, body, answer, id, delayMs) {
  const base = { id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: body.model ?? "gpt-4o-mini" };
  const send = (payload) => res.write(`data: ${JSON.stringify({ ...base, ...payload })}\n\n`);
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  send({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] });
  for (const piece of pieces(answer.text)) {
    await sleep(delayMs);
    send({ choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
  }
  if (answer.toolCall) {
    await sleep(delayMs);
    send({
      choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: `call_${id}`, type: "function", function: { name: answer.toolCall.name, arguments: "" } }] }, finish_reason: null }],
    });
    // The arguments arrive in fragments, as OpenAI sends them.
    for (const fragment of pieces(JSON.stringify(answer.toolCall.arguments), 12)) {
      send({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: fragment } }] }, finish_reason: null }] });
    }
  }
  send({ choices: [{ index: 0, delta: {}, finish_reason: answer.toolCall ? "tool_calls" : "stop" }] });
  if (body.stream_options?.include_usage) send({ choices: [], usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 } });
  res.write("data: [DONE]\n\n");
  res.end();
}

/** Writes `answer` as one `chat.completion` object. */
function jsonAnswer(res, body, answer, id) {
  const message = { role: "assistant", content: answer.text };
  if (answer.toolCall) {
    message.tool_calls = [{ id: `call_${id}`, type: "function", function: { name: answer.toolCall.name, arguments: JSON.stringify(answer.toolCall.arguments) } }];
  }
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(
    JSON.stringify({
      id,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? "gpt-4o-mini",
      choices: [{ index: 0, message, finish_reason: answer.toolCall ? "tool_calls" : "stop" }],
      usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 },
    }),
  );
}

/**
 * Starts the server on a free port of 127.0.0.1. Returns `{url, requests, close()}`;
 * `url` has no `/v1` (add it for `AR_OPENAI_BASE_URL`).
 */
export async function startModelServer({ delayMs = 60 } = {}) {
  const requests = [];
  let served = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: { message: `no such route: ${req.method} ${req.url}` } }));
        return;
      }
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res.writeHead(400, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: { message: "the body is not JSON" } }));
        return;
      }
      requests.push(body);
      const answer = answerFor(body);
      const id = `chatcmpl-${++served}`;
      if (body.stream === true) {
        streamAnswer(res, body, answer, id, delayMs).catch(() => res.destroy());
      } else {
        jsonAnswer(res, body, answer, id);
      }
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
