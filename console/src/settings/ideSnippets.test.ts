import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { IDE_CLIENTS, TOKEN_PLACEHOLDER, ideGuide, mcpUrl, tokenName, tomlString, type IdeClient } from "./ideSnippets";

const ORIGIN = "https://ar.example.com";
const TOKEN = "pat_abc123";
/** A value with every character the snippets' syntaxes treat specially. */
const TRICKY = `pat_it's "quoted" \\ $HOME \`x\` ; \n\t\u007f end`;

const textOf = (client: IdeClient, origin = ORIGIN, token?: string | null) =>
  ideGuide(client, origin, token)
    .snippets.map((s) => s.text)
    .join("\n");

/** Runs `command` in sh with `claude` defined to print its arguments, one per NUL. */
function claudeArgs(command: string): string[] {
  const out = execFileSync("sh", ["-c", `claude() { printf '%s\\0' "$@"; }\n${command}`]).toString();
  return out.split("\0").slice(0, -1);
}

/** Parses TOML with Python's standard library (tomllib), as an independent reader. */
function parseToml(text: string): Record<string, unknown> {
  const out = execFileSync("python3", ["-c", "import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))"], {
    input: text,
  });
  return JSON.parse(out.toString());
}

describe("mcpUrl", () => {
  it("appends /mcp to the origin, without doubling a trailing slash", () => {
    expect(mcpUrl("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080/mcp");
    expect(mcpUrl("https://ar.example.com//")).toBe("https://ar.example.com/mcp");
  });
});

describe("tokenName", () => {
  it("names the token after the client", () => {
    expect(tokenName("cursor")).toBe("IDE (Cursor)");
    expect(tokenName("codex")).toBe("IDE (Codex CLI)");
  });
});

describe("ideGuide", () => {
  it("shows the placeholder, and no token, until a token is given", () => {
    for (const { client } of IDE_CLIENTS) {
      const text = textOf(client);
      expect(text, client).toContain(TOKEN_PLACEHOLDER);
      expect(text, client).not.toContain("pat_");
      const filled = textOf(client, ORIGIN, TOKEN);
      expect(filled, client).toContain(TOKEN);
      expect(filled, client).not.toContain(TOKEN_PLACEHOLDER);
    }
  });

  it("Cursor: mcp.json with the endpoint and the bearer header", () => {
    const config = JSON.parse(textOf("cursor", ORIGIN, TOKEN));
    expect(config).toEqual({
      mcpServers: { agentruntime: { url: "https://ar.example.com/mcp", headers: { Authorization: `Bearer ${TOKEN}` } } },
    });
    // Escaped as JSON: a hostile token reads back unchanged.
    expect(JSON.parse(textOf("cursor", ORIGIN, TRICKY)).mcpServers.agentruntime.headers.Authorization).toBe(`Bearer ${TRICKY}`);
  });

  it("Claude Code: a shell command whose arguments survive quoting", () => {
    expect(claudeArgs(textOf("claude-code", ORIGIN, TOKEN))).toEqual([
      "mcp",
      "add",
      "--transport",
      "http",
      "agentruntime",
      "https://ar.example.com/mcp",
      "--header",
      `Authorization: Bearer ${TOKEN}`,
    ]);
    const tricky = claudeArgs(textOf("claude-code", "http://x'y:1", TRICKY));
    expect(tricky[5]).toBe("http://x'y:1/mcp");
    expect(tricky[7]).toBe(`Authorization: Bearer ${TRICKY}`);
    // The placeholder's angle brackets are quoted, not redirections.
    expect(claudeArgs(textOf("claude-code"))[7]).toBe(`Authorization: Bearer ${TOKEN_PLACEHOLDER}`);
  });

  it("Claude Desktop: the stdio bridge with the server and token in its environment", () => {
    const config = JSON.parse(textOf("claude-desktop", `${ORIGIN}/`, TOKEN));
    expect(config).toEqual({
      mcpServers: {
        agentruntime: {
          command: "agentruntime",
          args: ["mcp"],
          env: { AGENTRUNTIME_URL: ORIGIN, AGENTRUNTIME_TOKEN: TOKEN },
        },
      },
    });
  });

  it("Codex: config.toml names the endpoint and the token's variable; the export line sets it", () => {
    const [toml, exportLine] = ideGuide("codex", ORIGIN, TOKEN).snippets.map((s) => s.text);
    expect(parseToml(toml!)).toEqual({
      mcp_servers: { agentruntime: { url: "https://ar.example.com/mcp", bearer_token_env_var: "AGENTRUNTIME_TOKEN" } },
    });
    expect(toml).not.toContain(TOKEN);
    const set = execFileSync("sh", ["-c", `${ideGuide("codex", ORIGIN, TRICKY).snippets[1]!.text}\nprintf '%s' "$AGENTRUNTIME_TOKEN"`]);
    expect(set.toString()).toBe(TRICKY);
    expect(exportLine).toBe(`export AGENTRUNTIME_TOKEN='${TOKEN}'`);
  });
});

describe("tomlString", () => {
  it("reads back unchanged through a TOML parser, control characters included", () => {
    const value = `a "b" \\c\n\t\u0001\u007f é`;
    expect(parseToml(`v = ${tomlString(value)}`)).toEqual({ v: value });
  });
});
