/**
 * Typed calls for the parts of the REST surface (CONTRACT §9) the console uses. Each method
 * is a thin mapping of one endpoint; list responses are unwrapped where the list is all
 * callers need.
 */
import { HttpClient, seg, type HttpClientOptions } from "./client";
import type {
  CompleteTaskRequest,
  CompleteTaskResponse,
  CreatedPat,
  CreatePatRequest,
  CreateWorkflowRequest,
  Credentials,
  EventsPage,
  Me,
  Pat,
  PatchWorkflowRequest,
  PendingTask,
  RunContext,
  Run,
  RunsPage,
  RunsQuery,
  RunSummary,
  SignupRequest,
  StartParams,
  StartResponse,
  StopMode,
  ValidateRequest,
  ValidationResponse,
  Workflow,
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
}
