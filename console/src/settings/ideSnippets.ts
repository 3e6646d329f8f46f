/**
 * The copy-ready configuration that connects an IDE or coding agent to this server's
 * Platform MCP endpoint (`<origin>/mcp`, Streamable HTTP, `Authorization: Bearer pat_…`;
 * docs/contract.md §12). Clients that only launch local commands (Claude Desktop) go
 * through the stdio bridge `agentruntime mcp`, which reads the server and the token from
 * `AGENTRUNTIME_URL` / `AGENTRUNTIME_TOKEN` (the names the console's other snippets use).
 *
 * Every value lands inside a quoted JSON, TOML or shell string, each escaped for its own
 * syntax, so an odd origin or token cannot break out of the snippet.
 */
import { shellQuote } from "./curl";

/** What the snippets say in place of a token the console does not know. */
export const TOKEN_PLACEHOLDER = "<YOUR_PAT>";

/** The name every snippet registers the server under. */
export const SERVER_NAME = "agentruntime";

/** The environment variables the stdio bridge and the Codex snippet read. */
export const URL_ENV = "AGENTRUNTIME_URL";
export const TOKEN_ENV = "AGENTRUNTIME_TOKEN";

export type IdeClient = "cursor" | "claude-code" | "claude-desktop" | "codex";

/** One thing to paste: where it goes and its text. */
export interface Snippet {
  /** Names the text field (and its Copy button). */
  label: string;
  /** Where it goes, in words (a file or a terminal). */
  where: string;
  text: string;
}

export interface IdeGuide {
  client: IdeClient;
  /** The client's name, as in the token's display name "IDE (<name>)". */
  name: string;
  snippets: Snippet[];
  /** What to know beyond pasting (e.g. the bridge must be installed). */
  notes: string[];
}

export const IDE_CLIENTS: { client: IdeClient; name: string }[] = [
  { client: "cursor", name: "Cursor" },
  { client: "claude-code", name: "Claude Code" },
  { client: "claude-desktop", name: "Claude Desktop" },
  { client: "codex", name: "Codex CLI" },
];

/** The display name of a token made for `client`, e.g. "IDE (Cursor)". */
export function tokenName(client: IdeClient): string {
  return `IDE (${IDE_CLIENTS.find((c) => c.client === client)?.name ?? client})`;
}

/** The server's base URL without a trailing slash. */
export function baseUrl(origin: string): string {
  return origin.replace(/\/+$/, "");
}

/** The Platform MCP endpoint of the server at `origin`. */
export function mcpUrl(origin: string): string {
  return `${baseUrl(origin)}/mcp`;
}

/**
 * A TOML basic string: `"` and `\` escaped, and every control character (which TOML does
 * not allow raw in a basic string, DEL included) as `\uXXXX`.
 */
export function tomlString(s: string): string {
  const escaped = s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) =>
    c === "\\" || c === '"' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `"${escaped}"`;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/**
 * The guide for `client` against the server at `origin`, with `token` filled in where the
 * client's configuration holds it (the placeholder when there is none).
 */
export function ideGuide(client: IdeClient, origin: string, token?: string | null): IdeGuide {
  const pat = token || TOKEN_PLACEHOLDER;
  const url = mcpUrl(origin);
  const name = IDE_CLIENTS.find((c) => c.client === client)?.name ?? client;
  switch (client) {
    case "cursor":
      return {
        client,
        name,
        snippets: [
          {
            label: "Cursor mcp.json",
            where: ".cursor/mcp.json in your project (or ~/.cursor/mcp.json for every project)",
            text: json({ mcpServers: { [SERVER_NAME]: { url, headers: { Authorization: `Bearer ${pat}` } } } }),
          },
        ],
        notes: [
          "The file holds the token: keep a project's .cursor/mcp.json out of version control, or use the one in your home directory.",
          "If the file already lists servers, add the agentruntime entry to its mcpServers.",
        ],
      };
    case "claude-code":
      return {
        client,
        name,
        snippets: [
          {
            label: "Claude Code command",
            where: "a terminal, in the project you work on",
            text: `claude mcp add --transport http ${SERVER_NAME} ${shellQuote(url)} --header ${shellQuote(`Authorization: Bearer ${pat}`)}`,
          },
        ],
        notes: ["Add --scope user to make the server available in every project. `claude mcp list` shows whether it connects."],
      };
    case "claude-desktop":
      return {
        client,
        name,
        snippets: [
          {
            label: "Claude Desktop configuration",
            where:
              "claude_desktop_config.json (macOS: ~/Library/Application Support/Claude/, Windows: %APPDATA%\\Claude\\); Settings → Developer → Edit Config opens it",
            text: json({
              mcpServers: {
                [SERVER_NAME]: { command: "agentruntime", args: ["mcp"], env: { [URL_ENV]: baseUrl(origin), [TOKEN_ENV]: pat } },
              },
            }),
          },
        ],
        notes: [
          "Claude Desktop starts local commands only: `agentruntime mcp` relays its messages to this server. Install the agentruntime binary on that computer; if Claude Desktop does not find it, put its full path in \"command\".",
          "Restart Claude Desktop after saving the file.",
        ],
      };
    case "codex":
      return {
        client,
        name,
        snippets: [
          {
            label: "Codex config.toml",
            where: "~/.codex/config.toml",
            text: [`[mcp_servers.${SERVER_NAME}]`, `url = ${tomlString(url)}`, `bearer_token_env_var = ${tomlString(TOKEN_ENV)}`].join("\n"),
          },
          {
            label: "Codex token variable",
            where: "the shell that starts Codex (e.g. your shell profile)",
            text: `export ${TOKEN_ENV}=${shellQuote(pat)}`,
          },
        ],
        notes: ["Codex reads the token from the environment variable, so config.toml holds no secret. Start Codex again after setting it; /mcp in Codex lists the connected servers."],
      };
  }
}
