/**
 * Typed calls for the parts of the REST surface (docs/contract.md §9) the console uses. Each method
 * is a thin mapping of one endpoint; list responses are unwrapped where the list is all
 * callers need.
 */
import { HttpClient, seg, type HttpClientOptions } from "./client";
import type {
  Agent,
  AgentRequest,
  AutopilotMode,
  AutopilotStart,
  ChatMessage,
  ChatMessagesPage,
  ChatThread,
  ChatThreadsPage,
  NewChatThread,
  AnalyticsCount,
  BillingBalances,
  BillingPlan,
  BillingStatus,
  BillingSummary,
  CreditGrant,
  AppliedCode,
  CodeCheck,
  StripeConfig,
  TopupIntent,
  TopupPayment,
  TopupRequest,
  LedgerPage,
  AnalyticsGranularity,
  AnalyticsWindow,
  CatalogServer,
  CompleteTaskRequest,
  ConfigProfile,
  Connection,
  ConnectionPatch,
  LlmCatalogProvider,
  LlmProviderKey,
  McpInstance,
  McpServer,
  McpServerVersion,
  McpTool,
  McpValidation,
  NewConnection,
  GoogleAccount,
  GoogleConfig,
  GoogleOAuthUrl,
  GoogleOAuthUrlRequest,
  WhatsAppManual,
  OAuthStartRequest,
  OAuthStartResponse,
  ProfileRequest,
  VaultSecret,
  CompleteTaskResponse,
  CreatedInvite,
  CreditsConsumed,
  ExecutionDuration,
  CreatedWebhook,
  CreateWebhookRequest,
  CreatedPat,
  CreatePatRequest,
  CreateWorkflowRequest,
  Credentials,
  EventsPage,
  InboundWebhook,
  Me,
  Member,
  MemberPatch,
  Pat,
  PatchWorkflowRequest,
  PendingTask,
  Project,
  ProjectMember,
  ProjectRole,
  RunContext,
  RunsPoint,
  Run,
  RunsPage,
  RunsQuery,
  RunSummary,
  SignupPolicy,
  SignupRequest,
  Starter,
  StarterSummary,
  StartParams,
  StartResponse,
  StepsExecuted,
  StepsSummary,
  StopMode,
  SuccessRate,
  TimeSeries,
  UsagePoint,
  ValidateRequest,
  ValidationResponse,
  Visibility,
  Workflow,
  WorkspaceRole,
  WorkflowCommand,
  WorkflowVersion,
} from "./types";

export class Api {
  readonly http: HttpClient;

  constructor(opts: HttpClientOptions = {}) {
    this.http = new HttpClient(opts);
  }

  // --- auth -------------------------------------------------------------------------------

  login(creds: Credentials): Promise<unknown> {
    return this.http.request("POST", "/auth/login", { body: creds });
  }
  signup(req: SignupRequest): Promise<unknown> {
    return this.http.request("POST", "/auth/signup", { body: req });
  }
  /** `GET /auth/signup`: whether anyone may sign up here, or only invited addresses. */
  signupPolicy(): Promise<SignupPolicy> {
    return this.http.request("GET", "/auth/signup");
  }
  logout(): Promise<unknown> {
    return this.http.request("POST", "/auth/logout", { body: {} });
  }
  me(): Promise<Me> {
    return this.http.request("GET", "/auth/me");
  }

  // --- workspaces -------------------------------------------------------------------------

  /** Creates a workspace; the caller becomes its owner and gets a `Default` project. */
  createWorkspace(slug: string, name: string): Promise<unknown> {
    return this.http.request("POST", "/workspaces", { body: { slug, name } });
  }

  // --- workflows --------------------------------------------------------------------------

  async listWorkflows(): Promise<Workflow[]> {
    const page = await this.http.request<{ workflows: Workflow[] }>("GET", "/workflows");
    return page.workflows ?? [];
  }
  createWorkflow(req: CreateWorkflowRequest): Promise<Workflow> {
    return this.http.request("POST", "/workflows", { body: req });
  }
  getWorkflow(id: string): Promise<Workflow> {
    return this.http.request("GET", `/workflows/${seg(id)}`);
  }
  patchWorkflow(id: string, patch: PatchWorkflowRequest): Promise<Workflow> {
    return this.http.request("PATCH", `/workflows/${seg(id)}`, { body: patch });
  }
  /** DELETE archives the workflow (its runs and versions are kept). */
  archiveWorkflow(id: string): Promise<unknown> {
    return this.http.request("DELETE", `/workflows/${seg(id)}`);
  }

  // --- versions and validation -----------------------------------------------------------

  publish(id: string, changelog: string): Promise<WorkflowVersion> {
    return this.http.request("POST", `/workflows/${seg(id)}/versions`, { body: { changelog } });
  }
  async listVersions(id: string): Promise<WorkflowVersion[]> {
    const page = await this.http.request<{ versions: WorkflowVersion[] }>("GET", `/workflows/${seg(id)}/versions`);
    return page.versions ?? [];
  }
  validate(id: string, req: ValidateRequest = {}): Promise<ValidationResponse> {
    return this.http.request("POST", `/workflows/${seg(id)}/validate`, { body: req });
  }
  /** One published version with its `graph_snapshot` (the list leaves snapshots out) and the
   * `run_setup` copied at publish. */
  getVersion(id: string, version: number): Promise<WorkflowVersion> {
    return this.http.request("GET", `/workflows/${seg(id)}/versions/${seg(String(version))}`);
  }

  // --- commands ---------------------------------------------------------------------------

  command<T = unknown>(id: string, cmd: WorkflowCommand): Promise<T> {
    return this.http.request("POST", `/workflows/${seg(id)}/command`, { body: cmd });
  }
  startRun(id: string, params: StartParams = {}): Promise<StartResponse> {
    return this.command<StartResponse>(id, { command: "start", params });
  }
  pauseRun(id: string, runId: string): Promise<unknown> {
    return this.command(id, { command: "pause", params: { run_id: runId } });
  }
  resumeRun(id: string, runId: string): Promise<unknown> {
    return this.command(id, { command: "resume", params: { run_id: runId } });
  }
  stopRun(id: string, runId: string, mode: StopMode = "immediate"): Promise<unknown> {
    return this.command(id, { command: "stop", params: { run_id: runId, mode } });
  }
  retryRun(id: string, runId: string, fromStepId?: string): Promise<unknown> {
    return this.http.request("POST", `/workflows/${seg(id)}/runs/${seg(runId)}/retry`, {
      body: fromStepId ? { from_step_id: fromStepId } : {},
    });
  }

  // --- starter gallery --------------------------------------------------------------------

  async listStarters(): Promise<StarterSummary[]> {
    const page = await this.http.request<{ starters: StarterSummary[] }>("GET", "/starters");
    return page.starters ?? [];
  }
  getStarter(id: string): Promise<Starter> {
    return this.http.request("GET", `/starters/${seg(id)}`);
  }

  // --- runs -------------------------------------------------------------------------------

  listRuns(query: RunsQuery = {}): Promise<RunsPage> {
    return this.http.request("GET", "/runs", { query: { ...query } });
  }
  listWorkflowRuns(id: string, cursor?: string): Promise<RunsPage> {
    return this.http.request("GET", `/workflows/${seg(id)}/runs`, { query: { cursor } });
  }
  getRun(id: string, runId: string): Promise<Run> {
    return this.http.request("GET", `/workflows/${seg(id)}/runs/${seg(runId)}`);
  }
  runSummary(id: string, runId: string): Promise<RunSummary> {
    return this.http.request("GET", `/workflows/${seg(id)}/runs/${seg(runId)}/summary`);
  }
  runEvents(id: string, runId: string, afterSeq?: number, limit?: number): Promise<EventsPage> {
    return this.http.request("GET", `/workflows/${seg(id)}/runs/${seg(runId)}/events`, {
      query: { after_seq: afterSeq, limit },
    });
  }
  runContext(id: string, runId: string): Promise<RunContext> {
    return this.http.request("GET", `/workflows/${seg(id)}/runs/${seg(runId)}/context`);
  }

  // --- analytics (project-scoped, contributors and admins: docs/analytics.md) ----------------

  liveRuns(): Promise<AnalyticsCount> {
    return this.http.request("GET", "/analytics/live-runs");
  }
  successRate(window: AnalyticsWindow): Promise<SuccessRate> {
    return this.http.request("GET", "/analytics/success-rate", { query: { window } });
  }
  executionDuration(window: AnalyticsWindow): Promise<ExecutionDuration> {
    return this.http.request("GET", "/analytics/execution-duration", { query: { window } });
  }
  runsCount(window: AnalyticsWindow): Promise<AnalyticsCount> {
    return this.http.request("GET", "/analytics/runs-count", { query: { window } });
  }
  stepsExecuted(window: AnalyticsWindow): Promise<StepsExecuted> {
    return this.http.request("GET", "/analytics/steps-executed", { query: { window } });
  }
  creditsConsumed(window: AnalyticsWindow): Promise<CreditsConsumed> {
    return this.http.request("GET", "/analytics/credits-consumed", { query: { window } });
  }
  stepsSummary(window: AnalyticsWindow): Promise<StepsSummary> {
    return this.http.request("GET", "/analytics/steps-summary", { query: { window } });
  }
  /** `granularity` is accepted by the two time series only (elsewhere it is a 400). */
  runsTimeseries(window: AnalyticsWindow, granularity: AnalyticsGranularity): Promise<TimeSeries<RunsPoint>> {
    return this.http.request("GET", "/analytics/runs-timeseries", { query: { window, granularity } });
  }
  usageTimeseries(window: AnalyticsWindow, granularity: AnalyticsGranularity): Promise<TimeSeries<UsagePoint>> {
    return this.http.request("GET", "/analytics/usage-timeseries", { query: { window, granularity } });
  }

  // --- billing (project-scoped reads for contributors; admin/owner actions: docs/billing.md) --

  billingUsage(): Promise<BillingBalances> {
    return this.http.request("GET", "/billing/usage");
  }
  billingStatus(): Promise<BillingStatus> {
    return this.http.request("GET", "/billing/status");
  }
  billingSummary(): Promise<BillingSummary> {
    return this.http.request("GET", "/billing/summary");
  }
  async billingPlans(): Promise<BillingPlan[]> {
    const page = await this.http.request<{ plans: BillingPlan[] }>("GET", "/billing/plans");
    return page.plans ?? [];
  }
  usageHistory(cursor?: string | null, limit?: number): Promise<LedgerPage> {
    return this.http.request("GET", "/billing/usage-history", { query: { cursor: cursor ?? undefined, limit } });
  }
  /** The server names the list `payments`; it is returned as a {@link LedgerPage}. */
  async paymentHistory(cursor?: string | null, limit?: number): Promise<LedgerPage> {
    const page = await this.http.request<{ payments: LedgerPage["entries"]; next_cursor: string | null }>(
      "GET",
      "/billing/payment-history",
      { query: { cursor: cursor ?? undefined, limit } },
    );
    return { entries: page.payments ?? [], next_cursor: page.next_cursor ?? null };
  }
  startTrial(planCode?: string): Promise<BillingStatus> {
    return this.http.request("POST", "/billing/trial", { body: planCode ? { plan_code: planCode } : {} });
  }
  subscribe(planCode: string): Promise<BillingStatus> {
    return this.http.request("POST", "/billing/subscription", { body: { plan_code: planCode } });
  }
  changePlan(planCode: string): Promise<BillingStatus & { applies?: "now" | "period_end" }> {
    return this.http.request("POST", "/billing/subscription/change-plan", { body: { plan_code: planCode } });
  }
  cancelSubscription(atPeriodEnd = true): Promise<BillingStatus> {
    return this.http.request("POST", "/billing/subscription/cancel", { body: { at_period_end: atPeriodEnd } });
  }
  grantCredits(microcredits: number, note?: string): Promise<CreditGrant> {
    return this.http.request("POST", "/billing/credits/grant", { body: { microcredits, ...(note ? { note } : {}) } });
  }
  /** `GET /config/stripe` (public): whether card top-ups are on, the key and the limits. */
  stripeConfig(): Promise<StripeConfig> {
    return this.http.request("GET", "/config/stripe");
  }
  /** Opens (or, with the same key, finds again) a PAYG top-up and its PaymentIntent. */
  createTopupIntent(req: TopupRequest): Promise<TopupIntent> {
    return this.http.request("POST", "/billing/topups/payg/intent", { body: req });
  }
  async topup(id: string): Promise<TopupPayment> {
    const r = await this.http.request<{ payment: TopupPayment }>("GET", `/billing/topups/payg/${seg(id)}`);
    return r.payment;
  }
  applyCode(code: string): Promise<AppliedCode> {
    return this.http.request("POST", "/billing/codes/apply", { body: { code } });
  }
  validateCode(code: string): Promise<CodeCheck> {
    return this.http.request("POST", "/billing/discounts/validate", { body: { code } });
  }

  // --- human tasks ------------------------------------------------------------------------

  async pendingTasks(): Promise<PendingTask[]> {
    const page = await this.http.request<{ tasks: PendingTask[] }>("GET", "/tasks/pending");
    return page.tasks ?? [];
  }
  async pendingRunTasks(id: string, runId: string): Promise<PendingTask[]> {
    const page = await this.http.request<{ tasks: PendingTask[] }>(
      "GET",
      `/workflows/${seg(id)}/runs/${seg(runId)}/tasks/pending`,
    );
    return page.tasks ?? [];
  }
  completeTask(id: string, runId: string, taskId: string, req: CompleteTaskRequest): Promise<CompleteTaskResponse> {
    return this.http.request("POST", `/workflows/${seg(id)}/runs/${seg(runId)}/tasks/${seg(taskId)}/complete`, {
      body: req,
    });
  }

  // --- personal access tokens -------------------------------------------------------------

  async listPats(): Promise<Pat[]> {
    const page = await this.http.request<{ pats: Pat[] }>("GET", "/pats");
    return page.pats ?? [];
  }
  createPat(req: CreatePatRequest): Promise<CreatedPat> {
    return this.http.request("POST", "/pats", { body: req });
  }
  revokePat(patId: string): Promise<unknown> {
    return this.http.request("DELETE", `/pats/${seg(patId)}`);
  }

  // --- workspace members and invites ------------------------------------------------------

  async listMembers(): Promise<Member[]> {
    const page = await this.http.request<{ members: Member[] }>("GET", "/members");
    return page.members ?? [];
  }
  updateMember(userId: string, patch: MemberPatch): Promise<Member> {
    return this.http.request("PATCH", `/members/${seg(userId)}`, { body: patch });
  }
  createInvite(email: string, role: Exclude<WorkspaceRole, "owner">): Promise<CreatedInvite> {
    return this.http.request("POST", "/invites", { body: { email, role } });
  }

  // --- inbound webhooks ------------------------------------------------------------------

  async listWebhooks(): Promise<InboundWebhook[]> {
    const page = await this.http.request<{ inbound_webhooks: InboundWebhook[] }>("GET", "/inbound-webhooks");
    return page.inbound_webhooks ?? [];
  }
  createWebhook(req: CreateWebhookRequest): Promise<CreatedWebhook> {
    return this.http.request("POST", "/inbound-webhooks", { body: req });
  }
  setWebhookEnabled(webhookId: string, enabled: boolean): Promise<InboundWebhook> {
    return this.http.request("PATCH", `/inbound-webhooks/${seg(webhookId)}`, { body: { enabled } });
  }
  deleteWebhook(webhookId: string): Promise<unknown> {
    return this.http.request("DELETE", `/inbound-webhooks/${seg(webhookId)}`);
  }

  // --- projects and their members ---------------------------------------------------------

  async listProjects(): Promise<Project[]> {
    const page = await this.http.request<{ projects: Project[] }>("GET", "/projects");
    return page.projects ?? [];
  }
  setProjectVisibility(projectId: string, visibility: Visibility): Promise<Project> {
    return this.http.request("PATCH", `/projects/${seg(projectId)}`, { body: { visibility } });
  }
  async listProjectMembers(projectId: string): Promise<ProjectMember[]> {
    const page = await this.http.request<{ members: ProjectMember[] }>("GET", `/projects/${seg(projectId)}/members`);
    return page.members ?? [];
  }
  addProjectMember(projectId: string, email: string, role: ProjectRole): Promise<ProjectMember> {
    return this.http.request("POST", `/projects/${seg(projectId)}/members`, { body: { email, role } });
  }
  setProjectMemberRole(projectId: string, userId: string, role: ProjectRole): Promise<unknown> {
    return this.http.request("PATCH", `/projects/${seg(projectId)}/members/${seg(userId)}`, { body: { role } });
  }
  removeProjectMember(projectId: string, userId: string): Promise<unknown> {
    return this.http.request("DELETE", `/projects/${seg(projectId)}/members/${seg(userId)}`);
  }

  /** `POST /invites/{token}/accept`: the signed-in user joins the invite's workspace. */
  acceptInvite(token: string): Promise<{ workspace: { slug: string; name: string } }> {
    return this.http.request("POST", `/invites/${seg(token)}/accept`, { body: {} });
  }

  // --- connections (project-scoped) -------------------------------------------------------

  async listConnections(): Promise<Connection[]> {
    const page = await this.http.request<{ connections: Connection[] }>("GET", "/connections");
    return page.connections ?? [];
  }
  createConnection(req: NewConnection): Promise<Connection> {
    return this.http.request("POST", "/connections", { body: req });
  }
  patchConnection(id: string, patch: ConnectionPatch): Promise<Connection> {
    return this.http.request("PATCH", `/connections/${seg(id)}`, { body: patch });
  }
  deleteConnection(id: string): Promise<unknown> {
    return this.http.request("DELETE", `/connections/${seg(id)}`);
  }
  startOAuth(req: OAuthStartRequest): Promise<OAuthStartResponse> {
    return this.http.request("POST", "/connections/oauth/start", { body: req });
  }
  googleConfig(): Promise<GoogleConfig> {
    return this.http.request("GET", "/connections/google/config");
  }
  /** Google's consent page for `services` (or, with `connection_id`, to reconnect that connection). */
  googleOAuthUrl(req: GoogleOAuthUrlRequest): Promise<GoogleOAuthUrl> {
    return this.http.request("POST", "/connections/google/oauth-url", { body: req });
  }
  googleAccount(connectionId: string): Promise<GoogleAccount> {
    return this.http.request("GET", `/connections/google/accounts/${seg(connectionId)}`);
  }
  /** Turns the named services on or off, within what the account granted (409 beyond it). */
  setGoogleServices(connectionId: string, services: Record<string, boolean>): Promise<GoogleAccount> {
    return this.http.request("PATCH", `/connections/google/accounts/${seg(connectionId)}/services`, { body: { services } });
  }
  createWhatsAppConnection(req: WhatsAppManual): Promise<Connection> {
    return this.http.request("POST", "/connections/whatsapp/manual", { body: req });
  }

  // --- MCP servers, instances, config profiles (project-scoped) ---------------------------

  async mcpCatalog(): Promise<CatalogServer[]> {
    const page = await this.http.request<{ servers: CatalogServer[] }>("GET", "/mcp/platform-catalog");
    return page.servers ?? [];
  }
  async listMcpServers(): Promise<McpServer[]> {
    const page = await this.http.request<{ servers: McpServer[] }>("GET", "/mcp/servers");
    return page.servers ?? [];
  }
  /** What registering `url` would find, without saving anything. */
  discoverMcpServer(url: string): Promise<{ url: string; tools: McpTool[] }> {
    return this.http.request("POST", "/mcp/servers/discover", { body: { url } });
  }
  registerMcpServer(req: { url: string; name?: string; auth_mode?: string }): Promise<McpServer> {
    return this.http.request("POST", "/mcp/servers", { body: req });
  }
  deleteMcpServer(id: string): Promise<unknown> {
    return this.http.request("DELETE", `/mcp/servers/${seg(id)}`);
  }
  async listMcpServerVersions(id: string): Promise<McpServerVersion[]> {
    const page = await this.http.request<{ versions: McpServerVersion[] }>("GET", `/mcp/servers/${seg(id)}/versions`);
    return page.versions ?? [];
  }
  /** Discovers the tools again; a changed list becomes a new version. */
  rediscoverMcpServer(id: string): Promise<{ changed: boolean; version: number; server: McpServer }> {
    return this.http.request("POST", `/mcp/servers/${seg(id)}/versions`, { body: {} });
  }
  validateMcpServer(id: string, req: { tool?: string; args?: Record<string, unknown>; instance_id?: string } = {}): Promise<McpValidation> {
    return this.http.request("POST", `/mcp/servers/${seg(id)}/validate`, { body: req });
  }
  async listMcpInstances(): Promise<McpInstance[]> {
    const page = await this.http.request<{ instances: McpInstance[] }>("GET", "/mcp/instances");
    return page.instances ?? [];
  }
  createMcpInstance(req: { server_id?: string; server_url?: string; name?: string }): Promise<McpInstance> {
    return this.http.request("POST", "/mcp/instances", { body: req });
  }
  deleteMcpInstance(id: string): Promise<unknown> {
    return this.http.request("DELETE", `/mcp/instances/${seg(id)}`);
  }
  async listConfigProfiles(instanceId: string): Promise<ConfigProfile[]> {
    const page = await this.http.request<{ config_profiles: ConfigProfile[] }>("GET", `/mcp/instances/${seg(instanceId)}/config-profiles`);
    return page.config_profiles ?? [];
  }
  createConfigProfile(instanceId: string, req: ProfileRequest): Promise<ConfigProfile> {
    return this.http.request("POST", `/mcp/instances/${seg(instanceId)}/config-profiles`, { body: req });
  }
  /** `headers` / `env` replace the whole map. */
  patchConfigProfile(instanceId: string, profileId: string, req: Partial<ProfileRequest>): Promise<ConfigProfile> {
    return this.http.request("PATCH", `/mcp/instances/${seg(instanceId)}/config-profiles/${seg(profileId)}`, { body: req });
  }
  deleteConfigProfile(instanceId: string, profileId: string): Promise<unknown> {
    return this.http.request("DELETE", `/mcp/instances/${seg(instanceId)}/config-profiles/${seg(profileId)}`);
  }
  setActiveConfigProfile(instanceId: string, profileId: string): Promise<ConfigProfile> {
    return this.http.request("POST", `/mcp/instances/${seg(instanceId)}/config-profiles/${seg(profileId)}/set-active`, { body: {} });
  }

  // --- agents (project-scoped; docs/agents.md) ---------------------------------------------

  async listAgents(): Promise<Agent[]> {
    const page = await this.http.request<{ agents: Agent[] }>("GET", "/agents");
    return page.agents ?? [];
  }
  createAgent(req: AgentRequest): Promise<Agent> {
    return this.http.request("POST", "/agents", { body: req });
  }
  /** Replaces the fields given; `model` clears `model_ref` and the other way round. */
  patchAgent(id: string, req: Partial<AgentRequest>): Promise<Agent> {
    return this.http.request("PATCH", `/agents/${seg(id)}`, { body: req });
  }
  deleteAgent(id: string): Promise<unknown> {
    return this.http.request("DELETE", `/agents/${seg(id)}`);
  }

  // --- chat and Autopilot (project-scoped; docs/contract.md §13) ---------------------------

  /** Threads the caller can see, newest activity first. */
  listChatThreads(q: { limit?: number; cursor?: string | null } = {}): Promise<ChatThreadsPage> {
    return this.http.request("GET", "/chat/threads", { query: q });
  }
  createChatThread(req: NewChatThread): Promise<ChatThread> {
    return this.http.request("POST", "/chat/threads", { body: req });
  }
  getChatThread(id: string): Promise<ChatThread> {
    return this.http.request("GET", `/chat/threads/${seg(id)}`);
  }
  /** Messages after `afterSeq`, oldest first. */
  listChatMessages(id: string, afterSeq = 0, limit?: number): Promise<ChatMessagesPage> {
    return this.http.request("GET", `/chat/threads/${seg(id)}/messages`, { query: { after_seq: afterSeq || undefined, limit } });
  }
  /** Posts to an agent room; its agents answer on the thread's stream. */
  postChatMessage(id: string, text: string): Promise<ChatMessage> {
    return this.http.request("POST", `/chat/threads/${seg(id)}/messages`, { body: { text } });
  }
  /** Asks the Autopilot; without `threadId` a new Autopilot thread is made. */
  autopilotChat(message: string, mode: AutopilotMode, threadId?: string): Promise<AutopilotStart> {
    return this.http.request("POST", "/autopilot/chat", { body: threadId ? { message, thread_id: threadId, mode } : { message, mode } });
  }

  // --- workspace vault secrets (tenant admins) --------------------------------------------

  async listSecrets(): Promise<VaultSecret[]> {
    const page = await this.http.request<{ secrets: VaultSecret[] }>("GET", "/vault/secrets");
    return page.secrets ?? [];
  }
  /** Creates or replaces the secret `name`. */
  putSecret(name: string, value: string, description?: string): Promise<VaultSecret> {
    return this.http.request("PUT", `/vault/secrets/${seg(name)}`, { body: description ? { value, description } : { value } });
  }
  deleteSecret(name: string): Promise<unknown> {
    return this.http.request("DELETE", `/vault/secrets/${seg(name)}`);
  }

  // --- workspace LLM provider keys (tenant admins) ----------------------------------------

  async listLlmKeys(): Promise<LlmProviderKey[]> {
    const page = await this.http.request<{ llm_provider_keys: LlmProviderKey[] }>("GET", "/llm-provider-keys");
    return page.llm_provider_keys ?? [];
  }
  createLlmKey(req: { provider: string; api_key: string; label?: string }): Promise<LlmProviderKey> {
    return this.http.request("POST", "/llm-provider-keys", { body: req });
  }
  deleteLlmKey(id: string): Promise<unknown> {
    return this.http.request("DELETE", `/llm-provider-keys/${seg(id)}`);
  }
  async llmCatalog(): Promise<LlmCatalogProvider[]> {
    const page = await this.http.request<{ providers: LlmCatalogProvider[] }>("GET", "/llm-provider-keys/catalog");
    return page.providers ?? [];
  }
}
