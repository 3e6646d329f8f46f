/**
 * Wire shapes of the REST API (docs/contract.md §9). Field names are fixed by the contract; the
 * server may send more fields, so every shape tolerates extra keys.
 */
import type { GraphDocument, JsonObject, JsonValue } from "../graph/types";
import type { components } from "./schema.gen";

/**
 * The shapes of the typed routes, generated from the server's OpenAPI document
 * (`npm run gen:api`, docs/server.md "Typed responses"); the aliases below keep the names
 * the console uses. Free-form JSON (graphs, payloads) is narrowed to the console's types.
 */
type Schemas = components["schemas"];

/** Project role names (docs/contract.md §1). */
export type ProjectRole = "project_viewer" | "project_contributor" | "project_admin";
/** Workspace role names (docs/contract.md §1). */
export type WorkspaceRole = "member" | "admin" | "owner";

export interface User {
  id: string;
  email: string;
  name?: string | null;
}

export interface ProjectAccess {
  id: string;
  name: string;
  role: ProjectRole | string;
}

export interface WorkspaceAccess {
  slug: string;
  name: string;
  role: WorkspaceRole | string;
  projects: ProjectAccess[];
}

/** `GET /v1/auth/me`. */
export interface Me {
  user: User;
  workspaces: WorkspaceAccess[];
}

export interface Credentials {
  email: string;
  password: string;
}

export interface SignupRequest extends Credentials {
  name?: string;
  /** The token of an invitation: needed where sign-up is by invitation. */
  invite_token?: string;
}

/** `GET /v1/auth/signup`: who may create an account on this server. */
/** `GET /v1/auth/signup`: who may create an account on this server. */
export type SignupPolicy = Schemas["SignupPolicyView"];

export type WorkflowStatus = "draft" | "published" | "archived" | string;

/** A workflow as listed (no graph) and fetched (with its draft graph and run setup). */
export type Workflow = Schemas["WorkflowSummary"] & {
  graph?: GraphDocument;
  run_setup?: RunSetup | null;
};

export interface CreateWorkflowRequest {
  name: string;
  description?: string;
  graph: GraphDocument;
}

/** `PATCH /v1/workflows/{id}`: the draft graph and/or run-setup defaults. */
export interface PatchWorkflowRequest {
  name?: string;
  description?: string;
  graph?: GraphDocument;
  run_setup?: RunSetup;
}

/** Saved run-setup defaults (docs/contract.md §7). */
export interface RunSetup {
  trigger_payload?: JsonObject;
  trigger_steps?: Record<string, JsonObject>;
  trigger_step_ids?: string[];
}

/** A published, immutable version (a list has no graph snapshot). */
export type WorkflowVersion = Schemas["VersionSummary"] & {
  graph_snapshot?: GraphDocument;
  /** Who published it, when the server says (it does not yet). */
  published_by?: string | null;
};

export type IssueSeverity = "error" | "warning";

/** One validation issue (docs/contract.md §8). */
export interface ValidationIssue {
  code: string;
  severity: IssueSeverity;
  step_id?: string | null;
  json_path: string;
  message: string;
  suggestion?: string | null;
}

export interface ValidateRequest {
  graph?: GraphDocument;
  params?: { trigger_payload?: JsonObject };
  checks?: string[];
  skip_checks?: string[];
  mock_step_outputs?: Record<string, JsonValue>;
  step_ids?: string[];
}

export type CheckResult = "passed" | "failed" | "blocked" | "not_applicable";

/** `POST /v1/workflows/{id}/validate` response. */
export interface ValidationResponse {
  valid: boolean;
  readiness: "ready" | "blocked";
  blockers: JsonValue[];
  checks_performed: string[];
  check_results: Record<string, CheckResult>;
  issues: ValidationIssue[];
  graph_hash: string;
}

/** Parameters of the `start` command (docs/contract.md §7). */
export interface StartParams {
  trigger_payload?: JsonObject;
  trigger_steps?: Record<string, JsonObject>;
  excluded_step_ids?: string[];
  use_run_setup_defaults?: boolean;
  run_id?: string;
  version?: number;
}

export type StopMode = "immediate" | "graceful";

/** A command on a workflow or one of its runs. */
export type WorkflowCommand =
  | { command: "start"; params: StartParams }
  | { command: "pause"; params: { run_id: string } }
  | { command: "resume"; params: { run_id: string } }
  | { command: "stop"; params: { run_id: string; mode?: StopMode } };

export type StartResponse = Schemas["StartedRun"];

export type RunStatus =
  | "queued"
  | "running"
  | "paused"
  | "draining"
  | "completed"
  | "failed"
  | "stopped";

export type StepStatus = "pending" | "running" | "waiting" | "completed" | "failed" | "cancelled";

export type Run = Schemas["RunItem"];

/** `GET …/runs/{run_id}/summary`. */
/** `GET …/runs/{run_id}/summary`. */
export type RunSummary = Schemas["RunSummary"];

export type RunsPage = Schemas["RunPage"];

export interface RunsQuery {
  status?: RunStatus;
  workflow?: string;
  since?: string;
  cursor?: string;
  /** Page size, 1–200 (the server's default is 50). */
  limit?: number;
}

export type RunEventType =
  | "run_started"
  | "run_rejected"
  | "state_changed"
  | "step_started"
  | "step_completed"
  | "step_failed"
  | "step_cancelled"
  | "step_paused"
  | "task_completed"
  | "run_completed"
  | "run_failed"
  | "run_stopped";

/** One persisted run event (docs/contract.md §7, §9). */
/** One persisted run event (docs/contract.md §7, §9). */
export type RunEvent = Omit<Schemas["RunEvent"], "data"> & { data?: JsonObject | null };

export type EventsPage = Omit<Schemas["EventPage"], "events"> & { events: RunEvent[] };

export interface StepContext {
  status: StepStatus;
  /** The step's configuration as its last attempt received it, templates resolved. */
  input?: JsonValue;
  result?: JsonValue;
  error?: JsonValue;
  failure_code?: string | null;
  skipped?: boolean;
  reason?: string | null;
  /** The step whose failure or rejection made this one skip. */
  caused_by_step_id?: string | null;
  attempt: number;
  started_at?: string | null;
  finished_at?: string | null;
}

/** `GET …/runs/{run_id}/context`. */
export interface RunContext {
  run_id: string;
  workflow_id: string;
  version: number;
  status: RunStatus;
  failure_code?: string | null;
  /** The run's failure message, with `failure_code`. */
  error?: string | null;
  input: JsonValue;
  steps: Record<string, StepContext>;
  started_at?: string | null;
  finished_at?: string | null;
}

/** A pending human task (Command Center inbox). */
export type PendingTask = Omit<Schemas["PendingTask"], "task_payload"> & { task_payload: JsonValue };

export interface CompleteTaskRequest {
  approved: boolean;
  result?: JsonObject;
}

export type CompleteTaskResponse = Schemas["CompletedTask"];

/** Scopes a personal access token can carry (docs/contract.md §1). */
export type PatScope = "workflow:read" | "workflow:write" | "workflow:run" | "mcp:execute" | "admin" | string;

export type Pat = Schemas["Pat"];

export interface CreatePatRequest {
  name: string;
  scopes: PatScope[];
  expires_at?: string;
  /** Alternatively, days from now (1–3650). */
  expires_in_days?: number;
}

/** Creation is the only time the token itself is returned. */
export type CreatedPat = Schemas["CreatedPat"];

/** A workspace member (`GET /v1/members`). */
/** A workspace member (`GET /v1/members`). */
export type Member = Schemas["Member"];

/** `PATCH /v1/members/{user_id}`. */
export interface MemberPatch {
  role?: WorkspaceRole;
  active?: boolean;
}

/** `POST /v1/invites` answer: the token and link are shown only once. */
/** `POST /v1/invites` answer: the token and link are shown only once. */
export type CreatedInvite = Schemas["CreatedInvite"];

export type Visibility = "public" | "private";

/** A project as `GET /v1/projects` lists it, with the caller's role. */
/** A project as `GET /v1/projects` lists it, with the caller's role. */
export type Project = Schemas["Project"];

/** A member of a project (`GET /v1/projects/{id}/members`). */
/** A member of a project (`GET /v1/projects/{id}/members`). */
export type ProjectMember = Schemas["ProjectMember"];

/** An inbound webhook subscription (`/v1/inbound-webhooks`); never its signing secret. */
/** An inbound webhook subscription (`/v1/inbound-webhooks`); never its signing secret. */
export type InboundWebhook = Schemas["Webhook"];

export interface CreateWebhookRequest {
  workflow_id: string;
  name?: string;
  automation_pat_id?: string;
  require_timestamp?: boolean;
}

/** Creation is the only time the signing secret is returned. */
export type CreatedWebhook = Schemas["CreatedWebhook"];

// --- integrations: connections, MCP, vault secrets, LLM provider keys (docs/contract.md §11) -------

/** How a connection authenticates; sets the credential keys it must hold. */
export type AuthType = "api_key" | "token" | "basic" | "dsn" | "custom" | "oauth2";

/** A connection as the API shows it: key names, never values. */
export type Connection = Schemas["Connection"];

/** A Google Workspace service a Google connection may enable (`GET /connections/google/config`). */
export interface GoogleService {
  service: string;
  title: string;
  scopes: string[];
}

/** `GET /connections/google/config` (docs/connections.md "Google"). */
export interface GoogleConfig {
  enabled: boolean;
  redirect_uri: string;
  identity_scopes: string[];
  services: GoogleService[];
}

/** `POST /connections/google/oauth-url`; `connection_id` reconnects that connection. */
export interface GoogleOAuthUrlRequest {
  services: string[];
  display_name?: string;
  connection_id?: string;
}

export interface GoogleOAuthUrl {
  url: string;
  state: string;
  redirect_uri: string;
  services: string[];
  scopes: string[];
  expires_at: string;
}

/** `GET /connections/google/accounts/{id}`: the account and every catalog service. */
export interface GoogleAccount {
  connection_id: string;
  display_name: string;
  email: string | null;
  status: string;
  services: { service: string; title: string; enabled: boolean; granted: boolean; scopes: string[] }[];
  granted_scopes: string[];
}

/** `POST /connections/whatsapp/manual` (docs/connections.md "WhatsApp"); the token is write-only. */
export interface WhatsAppManual {
  display_name?: string;
  phone_number_id: string;
  waba_id: string;
  access_token: string;
}

export interface NewConnection {
  display_name: string;
  provider: string;
  service?: string;
  auth_type: AuthType;
  credentials: Record<string, string>;
}

/** `PATCH /connections/{id}`: `credentials` replaces the whole set. */
export interface ConnectionPatch {
  display_name?: string;
  provider?: string;
  service?: string;
  auth_type?: AuthType;
  credentials?: Record<string, string>;
}

export interface OAuthStartRequest {
  display_name: string;
  provider: string;
  service?: string;
  authorization_url: string;
  token_url: string;
  client_id: string;
  client_secret?: string;
  scopes: string[];
}

export type OAuthStartResponse = Schemas["OAuthStarted"];

/** One tool of an MCP server as discovered. */
export interface McpTool {
  name: string;
  description?: string | null;
  input_schema?: JsonValue;
  output_schema?: JsonValue;
}

/** The result of `POST /mcp/servers/{id}/validate`, also kept on the server. */
export interface McpValidation {
  ok: boolean;
  reachable?: boolean;
  tools?: number | JsonValue;
  schema_issues?: JsonValue[];
  smoke?: JsonValue;
  error?: string;
  checked_at?: string;
  [key: string]: JsonValue | undefined;
}

export type McpServer = Omit<Schemas["McpServer"], "tools" | "validation"> & {
  tools: McpTool[];
  validation: McpValidation | null;
};

/** An entry of the operator's catalog (`GET /mcp/platform-catalog`). */
export interface CatalogServer {
  name: string;
  description?: string | null;
  canonical_url: string;
  transport: string;
  auth_mode?: string | null;
  /** The variables (stdio) or headers (HTTP) a profile must provide. */
  credentials?: string[];
  /** stdio: the variable a connection token goes in; with `credentials`, all a profile may set. */
  connection_env?: string | null;
  server_id?: string | null;
  tools: McpTool[];
}

export interface McpServerVersion {
  version: number;
  tools: McpTool[];
  created_at: string;
}

export interface McpInstance {
  id: string;
  project_id: string;
  server_id: string;
  name: string;
  server_url?: string | null;
  server_name?: string | null;
  transport?: string | null;
  active_profile_id?: string | null;
}

/**
 * A header or environment value of a config profile: literal text, a vault secret, or a
 * connection's credential (`prefix` is put before the opened value, e.g. `"Bearer "`).
 */
export type ProfileValue = string | { secret: string; prefix?: string } | { connection: string; key: string; prefix?: string };

export interface ConfigProfile {
  id: string;
  instance_id: string;
  name: string;
  env: Record<string, ProfileValue>;
  headers: Record<string, ProfileValue>;
  connection_id?: string | null;
  connection_env?: string | null;
  active: boolean;
}

export interface ProfileRequest {
  name: string;
  env?: Record<string, ProfileValue>;
  headers?: Record<string, ProfileValue>;
}

/** A workspace vault secret: metadata only, the value never comes back. */
export type VaultSecret = Schemas["Secret"];

/** A workspace LLM provider key: metadata only. */
export type LlmProviderKey = Schemas["LlmKey"];

/** A provider the server knows, with which keys it has. */
export type LlmCatalogProvider = Schemas["CatalogProvider"];

/** A card of the starter gallery (`GET /v1/starters`). */
/** A card of the starter gallery (`GET /v1/starters`). */
export type StarterSummary = Schemas["StarterCard"];

/** `GET /v1/starters/{id}`: the card and the graph a workflow made from it starts with. */
/** `GET /v1/starters/{id}`: the card and the graph a workflow made from it starts with. */
export type Starter = Omit<Schemas["StarterDetail"], "graph"> & { graph: JsonObject };

// --- analytics (docs/analytics.md) ----------------------------------------------------------

/** `window`: the last 7 days, the last 30 days, or the whole history. */
export type AnalyticsWindow = "week" | "month" | "all";
/** Bucket size of the time series. */
export type AnalyticsGranularity = "hour" | "day" | "week";

/** What every analytics answer echoes: the period it covers, as RFC 3339 UTC times. */
export interface AnalyticsPeriod {
  window: AnalyticsWindow | null;
  /** `null` for no lower bound (`window=all`). */
  from: string | null;
  to: string;
}

/** `live-runs` and `runs-count`. */
export interface AnalyticsCount extends AnalyticsPeriod {
  count: number;
}

/** `success-rate`: the runs that finished in the period, by outcome. */
export interface SuccessRate extends AnalyticsPeriod {
  /** `completed / terminal`, or `null` below 3 finished runs. */
  rate: number | null;
  completed: number;
  failed: number;
  stopped: number;
  terminal: number;
}

/** `execution-duration`. */
export interface ExecutionDuration extends AnalyticsPeriod {
  total_ms: number;
  runs: number;
}

/** `steps-executed`. */
export interface StepsExecuted extends AnalyticsPeriod {
  quantity: number;
}

/** `credits-consumed` (0 on this release: no prices yet). */
export interface CreditsConsumed extends AnalyticsPeriod {
  microcredits: number;
}

/** One step type of `steps-summary`; the percentiles are `null` without completed steps. */
export interface StepTypeSummary {
  type: string;
  completed: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

/** `steps-summary`. */
export interface StepsSummary extends AnalyticsPeriod {
  by_type: StepTypeSummary[];
  llm_tokens: { in: number; out: number };
}

/** A bucket of `runs-timeseries`; `t` is the bucket's start (UTC). */
export interface RunsPoint {
  t: string;
  started: number;
  completed: number;
  failed: number;
  stopped: number;
}

/** A bucket of `usage-timeseries`. */
export interface UsagePoint {
  t: string;
  steps_executed: number;
  llm_tokens_in: number;
  llm_tokens_out: number;
  mcp_calls: number;
  microcredits: number;
}

export interface TimeSeries<P> extends AnalyticsPeriod {
  granularity: AnalyticsGranularity;
  points: P[];
}

// --- billing (docs/billing.md) -----------------------------------------------------------

/** Workspace balances in microcredits (1 credit = 1,000,000 microcredits). */
export type BillingBalances = Schemas["BillingBalances"];

export type SubscriptionStatus = "trialing" | "active" | "past_due" | "canceled" | "none";

/** `GET /v1/billing/status`. */
/** `GET /v1/billing/status`. */
export type BillingStatus = Schemas["BillingStatus"];

/** One action's spending in the summary's period. */
export interface BillingUsageByAction {
  action: string;
  quantity: number;
  microcredits: number;
}

/** `GET /v1/billing/summary`. */
export interface BillingSummary {
  plan_code: string | null;
  status: SubscriptionStatus;
  subscription: BillingStatus;
  balances: BillingBalances;
  period: { from: string; to: string };
  usage: BillingUsageByAction[];
  billing_enabled: boolean;
}

/** One plan of `GET /v1/billing/plans`. */
/** One plan of `GET /v1/billing/plans`. */
export type BillingPlan = Schemas["BillingPlan"];

/** One ledger row: negative `microcredits` for debits, positive for grants. */
export type LedgerEntry = Schemas["BillingEntry"];

/** A page of the ledger; `next_cursor` is `null` on the last page. */
export type LedgerPage = Schemas["UsageHistory"];

/** `POST /v1/billing/credits/grant`'s answer. */
/** `POST /v1/billing/credits/grant`'s answer. */
export type CreditGrant = Schemas["CreditGrant"];

/** `GET /v1/config/stripe` (public): whether card top-ups are on and their limits (docs/billing.md "Top-ups with Stripe"). */
export interface StripeConfig {
  enabled: boolean;
  provider: "manual" | "stripe" | string;
  publishable_key: string | null;
  currency: string;
  microcredits_per_cent: number;
  min_topup_cents: number;
  max_topup_cents: number;
}

export type TopupStatus = "pending" | "succeeded" | "failed" | "canceled";

/** A PAYG top-up of the workspace (`payment` of the top-up routes). */
export interface TopupPayment {
  id: string;
  provider: string;
  status: TopupStatus;
  amount_cents: number;
  currency: string;
  microcredits: number;
  discount_code: string | null;
  payment_intent_id: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** What a top-up request asks for; `idempotency_key` makes a retry answer the same payment. */
export interface TopupRequest {
  microcredits?: number;
  amount_cents?: number;
  currency?: string;
  idempotency_key: string;
}

/** `POST /v1/billing/topups/payg/intent`'s 201: the PaymentIntent the browser confirms. */
export interface TopupIntent {
  payment: TopupPayment;
  client_secret: string;
  publishable_key: string;
  payment_intent_id: string;
  list_amount_cents: number;
  percent_off: number | null;
}

export type CodeKind = "credits" | "discount";

/** `POST /v1/billing/codes/apply`'s answer. */
export interface AppliedCode {
  applied: boolean;
  code: string;
  kind: CodeKind;
  microcredits: number | null;
  percent_off: number | null;
  applies_to: "payg_balance" | "payg_topups";
  balances: BillingBalances;
}

/** `POST /v1/billing/discounts/validate`'s answer; an unusable code is `valid: false` with its `reason`. */
export interface CodeCheck {
  valid: boolean;
  reason: "unknown" | "expired" | "exhausted" | "already_applied" | string | null;
  code: string | null;
  kind: CodeKind | null;
  microcredits: number | null;
  percent_off: number | null;
  applies_to: "payg_balance" | "payg_topups" | null;
  expires_at: string | null;
}

/** One MCP server an agent may use and the tools of it offered to the model (docs/agents.md). */
/** One MCP server an agent may use and the tools of it offered to the model (docs/agents.md). */
export type AgentToolSet = Schemas["AgentToolSet"];

/** A stored agent definition (`/v1/agents`, docs/contract.md §13). */
/** A stored agent definition (`/v1/agents`, docs/contract.md §13). */
export type Agent = Omit<Schemas["AgentView"], "llm_params"> & {
  llm_params: Record<string, JsonValue> | null;
};

/** The body of `POST /v1/agents` (and, every field optional, of `PATCH`). */
export interface AgentRequest {
  name: string;
  description?: string;
  instructions?: string;
  model?: string;
  model_ref?: string;
  llm_params?: Record<string, JsonValue> | null;
  tools?: AgentToolSet[];
  max_turns?: number;
  token_budget?: number | null;
}

// --- chat and Autopilot (docs/contract.md §13) -------------------------------------------

export type ChatThreadKind = "dm" | "channel" | "autopilot";

/** A chat thread: an agent room (`dm`, `channel`) or an Autopilot conversation. */
export type ChatThread = Omit<Schemas["ChatThread"], "kind"> & { kind: ChatThreadKind };

/** One page of `GET /v1/chat/threads` (newest activity first). */
/** One page of `GET /v1/chat/threads` (newest activity first). */
export type ChatThreadsPage = Omit<Schemas["ChatThreadsPage"], "threads"> & { threads: ChatThread[] };

/** The body of `POST /v1/chat/threads` (Autopilot threads are made by `/v1/autopilot/chat`). */
export interface NewChatThread {
  title?: string;
  kind: "dm" | "channel";
  agent_ids?: string[];
}

/** Something the Autopilot did during its turn, e.g. `create_workflow` with its result. */
export interface AutopilotAction {
  action: string;
  status: "ok" | "error";
  result: JsonValue;
}

/** A stored chat message; immutable once stored, `seq` counts 1, 2, 3… per thread. */
export type ChatMessage = Omit<Schemas["ChatMessage"], "author" | "actions" | "error"> & {
  author: { kind: "user" | "agent" | "autopilot"; id: string };
  actions: AutopilotAction[];
  error: { code: string; message: string } | null;
};

/** One page of `GET /v1/chat/threads/{id}/messages` (oldest first). */
/** One page of `GET /v1/chat/threads/{id}/messages` (oldest first). */
export type ChatMessagesPage = Omit<Schemas["ChatMessagesPage"], "messages"> & { messages: ChatMessage[] };

/** The `turn` frame of a thread's stream: an agent is (or was) answering. */
export interface ChatTurn {
  turn_id: string;
  agent_id: string;
  status: "running" | "completed" | "failed";
  run_id: string | null;
}

export type AutopilotMode = "ask" | "autopilot";

/** `POST /v1/autopilot/chat`'s answer: where to read the reply as it is written. */
export interface AutopilotStart {
  thread_id: string;
  /** The id the Autopilot's reply will have once it is stored. */
  message_id: string;
  /** `/v1/autopilot/stream?thread_id=…&message_id=…` */
  stream_url: string;
}
