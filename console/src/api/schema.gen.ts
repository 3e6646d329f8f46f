/**
 * Generated from console/openapi.json by `npm run gen:api` (openapi-typescript).
 * Do not edit: regenerate (docs/server.md "Typed responses").
 */


export interface paths {
  "/v1/agents": {
    /** /v1/agents (permission: AgentsRead) */
    get: operations["get_v1_agents"];
    /** /v1/agents (permission: AgentsManage) */
    post: operations["post_v1_agents"];
  };
  "/v1/agents/{id}": {
    /** /v1/agents/{id} (permission: AgentsRead) */
    get: operations["get_v1_agents__id_"];
    /** /v1/agents/{id} (permission: AgentsManage) */
    delete: operations["delete_v1_agents__id_"];
    /** /v1/agents/{id} (permission: AgentsManage) */
    patch: operations["patch_v1_agents__id_"];
  };
  "/v1/analytics/credits-consumed": {
    /** /v1/analytics/credits-consumed (permission: AnalyticsRead) */
    get: operations["get_v1_analytics_credits_consumed"];
  };
  "/v1/analytics/execution-duration": {
    /** /v1/analytics/execution-duration (permission: AnalyticsRead) */
    get: operations["get_v1_analytics_execution_duration"];
  };
  "/v1/analytics/live-runs": {
    /** /v1/analytics/live-runs (permission: AnalyticsRead) */
    get: operations["get_v1_analytics_live_runs"];
  };
  "/v1/analytics/runs-count": {
    /** /v1/analytics/runs-count (permission: AnalyticsRead) */
    get: operations["get_v1_analytics_runs_count"];
  };
  "/v1/analytics/runs-timeseries": {
    /** /v1/analytics/runs-timeseries (permission: AnalyticsRead) */
    get: operations["get_v1_analytics_runs_timeseries"];
  };
  "/v1/analytics/steps-executed": {
    /** /v1/analytics/steps-executed (permission: AnalyticsRead) */
    get: operations["get_v1_analytics_steps_executed"];
  };
  "/v1/analytics/steps-summary": {
    /** /v1/analytics/steps-summary (permission: AnalyticsRead) */
    get: operations["get_v1_analytics_steps_summary"];
  };
  "/v1/analytics/success-rate": {
    /** /v1/analytics/success-rate (permission: AnalyticsRead) */
    get: operations["get_v1_analytics_success_rate"];
  };
  "/v1/analytics/usage-timeseries": {
    /** /v1/analytics/usage-timeseries (permission: AnalyticsRead) */
    get: operations["get_v1_analytics_usage_timeseries"];
  };
  "/v1/auth/login": {
    /** /v1/auth/login */
    post: operations["post_v1_auth_login"];
  };
  "/v1/auth/logout": {
    /** /v1/auth/logout */
    post: operations["post_v1_auth_logout"];
  };
  "/v1/auth/me": {
    /** /v1/auth/me */
    get: operations["get_v1_auth_me"];
  };
  "/v1/auth/password": {
    /** /v1/auth/password */
    post: operations["post_v1_auth_password"];
  };
  "/v1/auth/signup": {
    /** /v1/auth/signup */
    get: operations["get_v1_auth_signup"];
    /** /v1/auth/signup */
    post: operations["post_v1_auth_signup"];
  };
  "/v1/autopilot/chat": {
    /** /v1/autopilot/chat (permission: ChatRead) */
    post: operations["post_v1_autopilot_chat"];
  };
  "/v1/autopilot/stream": {
    /** /v1/autopilot/stream (permission: ChatRead) */
    get: operations["get_v1_autopilot_stream"];
  };
  "/v1/billing/action-pricing": {
    /** /v1/billing/action-pricing (permission: BillingRead) */
    get: operations["get_v1_billing_action_pricing"];
  };
  "/v1/billing/codes/apply": {
    /** /v1/billing/codes/apply (permission: BillingManage) */
    post: operations["post_v1_billing_codes_apply"];
  };
  "/v1/billing/credits/grant": {
    /** /v1/billing/credits/grant (permission: BillingGrant) */
    post: operations["post_v1_billing_credits_grant"];
  };
  "/v1/billing/discounts/validate": {
    /** /v1/billing/discounts/validate (permission: BillingManage) */
    post: operations["post_v1_billing_discounts_validate"];
  };
  "/v1/billing/payment-history": {
    /** /v1/billing/payment-history (permission: BillingRead) */
    get: operations["get_v1_billing_payment_history"];
  };
  "/v1/billing/plans": {
    /** /v1/billing/plans (permission: BillingRead) */
    get: operations["get_v1_billing_plans"];
  };
  "/v1/billing/status": {
    /** /v1/billing/status (permission: BillingRead) */
    get: operations["get_v1_billing_status"];
  };
  "/v1/billing/subscription": {
    /** /v1/billing/subscription (permission: BillingManage) */
    post: operations["post_v1_billing_subscription"];
  };
  "/v1/billing/subscription/cancel": {
    /** /v1/billing/subscription/cancel (permission: BillingManage) */
    post: operations["post_v1_billing_subscription_cancel"];
  };
  "/v1/billing/subscription/change-plan": {
    /** /v1/billing/subscription/change-plan (permission: BillingManage) */
    post: operations["post_v1_billing_subscription_change_plan"];
  };
  "/v1/billing/subscription/convert-trial-now": {
    /** /v1/billing/subscription/convert-trial-now (permission: BillingManage) */
    post: operations["post_v1_billing_subscription_convert_trial_now"];
  };
  "/v1/billing/summary": {
    /** /v1/billing/summary (permission: BillingRead) */
    get: operations["get_v1_billing_summary"];
  };
  "/v1/billing/topups/payg/intent": {
    /** /v1/billing/topups/payg/intent (permission: BillingTopup) */
    post: operations["post_v1_billing_topups_payg_intent"];
  };
  "/v1/billing/topups/payg/{payment_id}": {
    /** /v1/billing/topups/payg/{payment_id} (permission: BillingRead) */
    get: operations["get_v1_billing_topups_payg__payment_id_"];
  };
  "/v1/billing/trial": {
    /** /v1/billing/trial (permission: BillingManage) */
    post: operations["post_v1_billing_trial"];
  };
  "/v1/billing/usage": {
    /** /v1/billing/usage (permission: BillingRead) */
    get: operations["get_v1_billing_usage"];
  };
  "/v1/billing/usage-dimensions": {
    /** /v1/billing/usage-dimensions (permission: BillingDimensionsRead) */
    get: operations["get_v1_billing_usage_dimensions"];
  };
  "/v1/billing/usage-history": {
    /** /v1/billing/usage-history (permission: BillingRead) */
    get: operations["get_v1_billing_usage_history"];
  };
  "/v1/billing/webhooks/stripe": {
    /** /v1/billing/webhooks/stripe */
    post: operations["post_v1_billing_webhooks_stripe"];
  };
  "/v1/chat/threads": {
    /** /v1/chat/threads (permission: ChatRead) */
    get: operations["get_v1_chat_threads"];
    /** /v1/chat/threads (permission: ChatRead) */
    post: operations["post_v1_chat_threads"];
  };
  "/v1/chat/threads/{id}": {
    /** /v1/chat/threads/{id} (permission: ChatRead) */
    get: operations["get_v1_chat_threads__id_"];
    /** /v1/chat/threads/{id} (permission: ChatRead) */
    delete: operations["delete_v1_chat_threads__id_"];
    /** /v1/chat/threads/{id} (permission: ChatRead) */
    patch: operations["patch_v1_chat_threads__id_"];
  };
  "/v1/chat/threads/{id}/messages": {
    /** /v1/chat/threads/{id}/messages (permission: ChatRead) */
    get: operations["get_v1_chat_threads__id__messages"];
    /** /v1/chat/threads/{id}/messages (permission: ChatRead) */
    post: operations["post_v1_chat_threads__id__messages"];
  };
  "/v1/chat/threads/{id}/stream": {
    /** /v1/chat/threads/{id}/stream (permission: ChatRead) */
    get: operations["get_v1_chat_threads__id__stream"];
  };
  "/v1/config/stripe": {
    /** /v1/config/stripe */
    get: operations["get_v1_config_stripe"];
  };
  "/v1/connections": {
    /** /v1/connections (permission: ConnectionsRead) */
    get: operations["get_v1_connections"];
    /** /v1/connections (permission: ConnectionsManage) */
    post: operations["post_v1_connections"];
  };
  "/v1/connections/google/accounts/{connectionId}": {
    /** /v1/connections/google/accounts/{connectionId} (permission: ConnectionsRead) */
    get: operations["get_v1_connections_google_accounts__connectionId_"];
  };
  "/v1/connections/google/accounts/{connectionId}/services": {
    /** /v1/connections/google/accounts/{connectionId}/services (permission: ConnectionsManage) */
    patch: operations["patch_v1_connections_google_accounts__connectionId__services"];
  };
  "/v1/connections/google/complete": {
    /** /v1/connections/google/complete (permission: ConnectionsManage) */
    post: operations["post_v1_connections_google_complete"];
  };
  "/v1/connections/google/config": {
    /** /v1/connections/google/config (permission: ConnectionsRead) */
    get: operations["get_v1_connections_google_config"];
  };
  "/v1/connections/google/oauth-url": {
    /** /v1/connections/google/oauth-url (permission: ConnectionsManage) */
    post: operations["post_v1_connections_google_oauth_url"];
  };
  "/v1/connections/oauth/callback": {
    /** /v1/connections/oauth/callback */
    get: operations["get_v1_connections_oauth_callback"];
  };
  "/v1/connections/oauth/start": {
    /** /v1/connections/oauth/start (permission: ConnectionsManage) */
    post: operations["post_v1_connections_oauth_start"];
  };
  "/v1/connections/whatsapp/complete": {
    /** /v1/connections/whatsapp/complete (permission: ConnectionsManage) */
    post: operations["post_v1_connections_whatsapp_complete"];
  };
  "/v1/connections/whatsapp/config": {
    /** /v1/connections/whatsapp/config (permission: ConnectionsRead) */
    get: operations["get_v1_connections_whatsapp_config"];
  };
  "/v1/connections/whatsapp/manual": {
    /** /v1/connections/whatsapp/manual (permission: ConnectionsManage) */
    post: operations["post_v1_connections_whatsapp_manual"];
  };
  "/v1/connections/{id}": {
    /** /v1/connections/{id} (permission: ConnectionsRead) */
    get: operations["get_v1_connections__id_"];
    /** /v1/connections/{id} (permission: ConnectionsManage) */
    delete: operations["delete_v1_connections__id_"];
    /** /v1/connections/{id} (permission: ConnectionsManage) */
    patch: operations["patch_v1_connections__id_"];
  };
  "/v1/connections/{id}/credentials": {
    /** /v1/connections/{id}/credentials (permission: ConnectionsRead) */
    get: operations["get_v1_connections__id__credentials"];
  };
  "/v1/inbound-webhooks": {
    /** /v1/inbound-webhooks (permission: WebhooksRead) */
    get: operations["get_v1_inbound_webhooks"];
    /** /v1/inbound-webhooks (permission: WebhooksManage) */
    post: operations["post_v1_inbound_webhooks"];
  };
  "/v1/inbound-webhooks/{id}": {
    /** /v1/inbound-webhooks/{id} (permission: WebhooksRead) */
    get: operations["get_v1_inbound_webhooks__id_"];
    /** /v1/inbound-webhooks/{id} */
    post: operations["post_v1_inbound_webhooks__id_"];
    /** /v1/inbound-webhooks/{id} (permission: WebhooksManage) */
    delete: operations["delete_v1_inbound_webhooks__id_"];
    /** /v1/inbound-webhooks/{id} (permission: WebhooksManage) */
    patch: operations["patch_v1_inbound_webhooks__id_"];
  };
  "/v1/invites": {
    /** /v1/invites (permission: InvitesManage) */
    post: operations["post_v1_invites"];
  };
  "/v1/invites/{token}/accept": {
    /** /v1/invites/{token}/accept */
    post: operations["post_v1_invites__token__accept"];
  };
  "/v1/llm-provider-keys": {
    /** /v1/llm-provider-keys (permission: LlmKeysManage) */
    get: operations["get_v1_llm_provider_keys"];
    /** /v1/llm-provider-keys (permission: LlmKeysManage) */
    post: operations["post_v1_llm_provider_keys"];
  };
  "/v1/llm-provider-keys/catalog": {
    /** /v1/llm-provider-keys/catalog (permission: LlmCatalogRead) */
    get: operations["get_v1_llm_provider_keys_catalog"];
  };
  "/v1/llm-provider-keys/{id}": {
    /** /v1/llm-provider-keys/{id} (permission: LlmKeysManage) */
    delete: operations["delete_v1_llm_provider_keys__id_"];
  };
  "/v1/llm/resolve": {
    /** /v1/llm/resolve (permission: LlmResolve) */
    post: operations["post_v1_llm_resolve"];
  };
  "/v1/mcp/instances": {
    /** /v1/mcp/instances (permission: McpRead) */
    get: operations["get_v1_mcp_instances"];
    /** /v1/mcp/instances (permission: McpManage) */
    post: operations["post_v1_mcp_instances"];
  };
  "/v1/mcp/instances/resolve": {
    /** /v1/mcp/instances/resolve (permission: McpManage) */
    post: operations["post_v1_mcp_instances_resolve"];
  };
  "/v1/mcp/instances/{id}": {
    /** /v1/mcp/instances/{id} (permission: McpRead) */
    get: operations["get_v1_mcp_instances__id_"];
    /** /v1/mcp/instances/{id} (permission: McpManage) */
    delete: operations["delete_v1_mcp_instances__id_"];
    /** /v1/mcp/instances/{id} (permission: McpManage) */
    patch: operations["patch_v1_mcp_instances__id_"];
  };
  "/v1/mcp/instances/{id}/config-profiles": {
    /** /v1/mcp/instances/{id}/config-profiles (permission: McpRead) */
    get: operations["get_v1_mcp_instances__id__config_profiles"];
    /** /v1/mcp/instances/{id}/config-profiles (permission: McpManage) */
    post: operations["post_v1_mcp_instances__id__config_profiles"];
  };
  "/v1/mcp/instances/{id}/config-profiles/{profile_id}": {
    /** /v1/mcp/instances/{id}/config-profiles/{profile_id} (permission: McpManage) */
    delete: operations["delete_v1_mcp_instances__id__config_profiles__profile_id_"];
    /** /v1/mcp/instances/{id}/config-profiles/{profile_id} (permission: McpManage) */
    patch: operations["patch_v1_mcp_instances__id__config_profiles__profile_id_"];
  };
  "/v1/mcp/instances/{id}/config-profiles/{profile_id}/set-active": {
    /** /v1/mcp/instances/{id}/config-profiles/{profile_id}/set-active (permission: McpManage) */
    post: operations["post_v1_mcp_instances__id__config_profiles__profile_id__set_active"];
  };
  "/v1/mcp/instances/{id}/validate": {
    /** /v1/mcp/instances/{id}/validate (permission: McpExecute) */
    post: operations["post_v1_mcp_instances__id__validate"];
  };
  "/v1/mcp/platform-catalog": {
    /** /v1/mcp/platform-catalog (permission: McpRead) */
    get: operations["get_v1_mcp_platform_catalog"];
  };
  "/v1/mcp/servers": {
    /** /v1/mcp/servers (permission: McpRead) */
    get: operations["get_v1_mcp_servers"];
    /** /v1/mcp/servers (permission: McpManage) */
    post: operations["post_v1_mcp_servers"];
  };
  "/v1/mcp/servers/discover": {
    /** /v1/mcp/servers/discover (permission: McpManage) */
    post: operations["post_v1_mcp_servers_discover"];
  };
  "/v1/mcp/servers/{id}": {
    /** /v1/mcp/servers/{id} (permission: McpRead) */
    get: operations["get_v1_mcp_servers__id_"];
    /** /v1/mcp/servers/{id} (permission: McpManage) */
    delete: operations["delete_v1_mcp_servers__id_"];
  };
  "/v1/mcp/servers/{id}/connections/{connection_id}/validate": {
    /** /v1/mcp/servers/{id}/connections/{connection_id}/validate (permission: McpExecute) */
    post: operations["post_v1_mcp_servers__id__connections__connection_id__validate"];
  };
  "/v1/mcp/servers/{id}/discover": {
    /** /v1/mcp/servers/{id}/discover (permission: McpManage) */
    post: operations["post_v1_mcp_servers__id__discover"];
  };
  "/v1/mcp/servers/{id}/validate": {
    /** /v1/mcp/servers/{id}/validate (permission: McpExecute) */
    post: operations["post_v1_mcp_servers__id__validate"];
  };
  "/v1/mcp/servers/{id}/versions": {
    /** /v1/mcp/servers/{id}/versions (permission: McpRead) */
    get: operations["get_v1_mcp_servers__id__versions"];
    /** /v1/mcp/servers/{id}/versions (permission: McpManage) */
    post: operations["post_v1_mcp_servers__id__versions"];
  };
  "/v1/mcp/tools": {
    /** /v1/mcp/tools (permission: McpRead) */
    get: operations["get_v1_mcp_tools"];
  };
  "/v1/members": {
    /** /v1/members (permission: MembersList) */
    get: operations["get_v1_members"];
  };
  "/v1/members/{user_id}": {
    /** /v1/members/{user_id} (permission: MembersManage) */
    delete: operations["delete_v1_members__user_id_"];
    /** /v1/members/{user_id} (permission: MembersManage) */
    patch: operations["patch_v1_members__user_id_"];
  };
  "/v1/pats": {
    /** /v1/pats (permission: PatsManage) */
    get: operations["get_v1_pats"];
    /** /v1/pats (permission: PatsManage) */
    post: operations["post_v1_pats"];
  };
  "/v1/pats/{id}": {
    /** /v1/pats/{id} (permission: PatsManage) */
    delete: operations["delete_v1_pats__id_"];
  };
  "/v1/projects": {
    /** /v1/projects (permission: ProjectsList) */
    get: operations["get_v1_projects"];
    /** /v1/projects (permission: ProjectCreate) */
    post: operations["post_v1_projects"];
  };
  "/v1/projects/{id}": {
    /** /v1/projects/{id} (permission: ProjectUpdate) */
    patch: operations["patch_v1_projects__id_"];
  };
  "/v1/projects/{id}/members": {
    /** /v1/projects/{id}/members (permission: ProjectMembersRead) */
    get: operations["get_v1_projects__id__members"];
    /** /v1/projects/{id}/members (permission: ProjectMembersManage) */
    post: operations["post_v1_projects__id__members"];
  };
  "/v1/projects/{id}/members/{user_id}": {
    /** /v1/projects/{id}/members/{user_id} (permission: ProjectMembersManage) */
    delete: operations["delete_v1_projects__id__members__user_id_"];
    /** /v1/projects/{id}/members/{user_id} (permission: ProjectMembersManage) */
    patch: operations["patch_v1_projects__id__members__user_id_"];
  };
  "/v1/projects/{id}/vault-grants": {
    /** /v1/projects/{id}/vault-grants (permission: McpRead) */
    get: operations["get_v1_projects__id__vault_grants"];
  };
  "/v1/runs": {
    /** /v1/runs (permission: RunsListTenant) */
    get: operations["get_v1_runs"];
  };
  "/v1/starters": {
    /** /v1/starters (permission: WorkflowRead) */
    get: operations["get_v1_starters"];
  };
  "/v1/starters/{id}": {
    /** /v1/starters/{id} (permission: WorkflowRead) */
    get: operations["get_v1_starters__id_"];
  };
  "/v1/tasks/pending": {
    /** /v1/tasks/pending (permission: TasksListTenant) */
    get: operations["get_v1_tasks_pending"];
  };
  "/v1/vault/secrets": {
    /** /v1/vault/secrets (permission: VaultRead) */
    get: operations["get_v1_vault_secrets"];
  };
  "/v1/vault/secrets/{name}": {
    /** /v1/vault/secrets/{name} (permission: VaultWrite) */
    put: operations["put_v1_vault_secrets__name_"];
    /** /v1/vault/secrets/{name} (permission: VaultWrite) */
    delete: operations["delete_v1_vault_secrets__name_"];
  };
  "/v1/vault/secrets/{name}/grants": {
    /** /v1/vault/secrets/{name}/grants (permission: VaultRead) */
    get: operations["get_v1_vault_secrets__name__grants"];
  };
  "/v1/vault/secrets/{name}/grants/{project_id}": {
    /** /v1/vault/secrets/{name}/grants/{project_id} (permission: VaultWrite) */
    put: operations["put_v1_vault_secrets__name__grants__project_id_"];
    /** /v1/vault/secrets/{name}/grants/{project_id} (permission: VaultWrite) */
    delete: operations["delete_v1_vault_secrets__name__grants__project_id_"];
  };
  "/v1/workflows": {
    /** /v1/workflows (permission: WorkflowRead) */
    get: operations["get_v1_workflows"];
    /** /v1/workflows (permission: WorkflowWrite) */
    post: operations["post_v1_workflows"];
  };
  "/v1/workflows/{id}": {
    /** /v1/workflows/{id} (permission: WorkflowRead) */
    get: operations["get_v1_workflows__id_"];
    /** /v1/workflows/{id} (permission: WorkflowWrite) */
    delete: operations["delete_v1_workflows__id_"];
    /** /v1/workflows/{id} (permission: WorkflowWrite) */
    patch: operations["patch_v1_workflows__id_"];
  };
  "/v1/workflows/{id}/command": {
    /** /v1/workflows/{id}/command (permission: RunStart) */
    post: operations["post_v1_workflows__id__command"];
  };
  "/v1/workflows/{id}/runs": {
    /** /v1/workflows/{id}/runs (permission: RunRead) */
    get: operations["get_v1_workflows__id__runs"];
  };
  "/v1/workflows/{id}/runs/{run_id}": {
    /** /v1/workflows/{id}/runs/{run_id} (permission: RunRead) */
    get: operations["get_v1_workflows__id__runs__run_id_"];
  };
  "/v1/workflows/{id}/runs/{run_id}/context": {
    /** /v1/workflows/{id}/runs/{run_id}/context (permission: RunRead) */
    get: operations["get_v1_workflows__id__runs__run_id__context"];
  };
  "/v1/workflows/{id}/runs/{run_id}/events": {
    /** /v1/workflows/{id}/runs/{run_id}/events (permission: RunRead) */
    get: operations["get_v1_workflows__id__runs__run_id__events"];
  };
  "/v1/workflows/{id}/runs/{run_id}/retry": {
    /** /v1/workflows/{id}/runs/{run_id}/retry (permission: RunControl) */
    post: operations["post_v1_workflows__id__runs__run_id__retry"];
  };
  "/v1/workflows/{id}/runs/{run_id}/summary": {
    /** /v1/workflows/{id}/runs/{run_id}/summary (permission: RunRead) */
    get: operations["get_v1_workflows__id__runs__run_id__summary"];
  };
  "/v1/workflows/{id}/runs/{run_id}/tasks/pending": {
    /** /v1/workflows/{id}/runs/{run_id}/tasks/pending (permission: TaskRead) */
    get: operations["get_v1_workflows__id__runs__run_id__tasks_pending"];
  };
  "/v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete": {
    /** /v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete (permission: TaskComplete) */
    post: operations["post_v1_workflows__id__runs__run_id__tasks__task_id__complete"];
  };
  "/v1/workflows/{id}/stream": {
    /** /v1/workflows/{id}/stream (permission: RunRead) */
    get: operations["get_v1_workflows__id__stream"];
  };
  "/v1/workflows/{id}/triggers": {
    /** /v1/workflows/{id}/triggers (permission: TriggersRead) */
    get: operations["get_v1_workflows__id__triggers"];
    /** /v1/workflows/{id}/triggers (permission: TriggersManage) */
    post: operations["post_v1_workflows__id__triggers"];
  };
  "/v1/workflows/{id}/triggers/{trigger_id}": {
    /** /v1/workflows/{id}/triggers/{trigger_id} (permission: TriggersRead) */
    get: operations["get_v1_workflows__id__triggers__trigger_id_"];
    /** /v1/workflows/{id}/triggers/{trigger_id} (permission: TriggersManage) */
    delete: operations["delete_v1_workflows__id__triggers__trigger_id_"];
    /** /v1/workflows/{id}/triggers/{trigger_id} (permission: TriggersManage) */
    patch: operations["patch_v1_workflows__id__triggers__trigger_id_"];
  };
  "/v1/workflows/{id}/validate": {
    /** /v1/workflows/{id}/validate (permission: WorkflowValidate) */
    post: operations["post_v1_workflows__id__validate"];
  };
  "/v1/workflows/{id}/versions": {
    /** /v1/workflows/{id}/versions (permission: WorkflowRead) */
    get: operations["get_v1_workflows__id__versions"];
    /** /v1/workflows/{id}/versions (permission: WorkflowPublish) */
    post: operations["post_v1_workflows__id__versions"];
  };
  "/v1/workflows/{id}/versions/{version}": {
    /** /v1/workflows/{id}/versions/{version} (permission: WorkflowRead) */
    get: operations["get_v1_workflows__id__versions__version_"];
  };
  "/v1/workspaces": {
    /** /v1/workspaces (permission: WorkspacesList) */
    get: operations["get_v1_workspaces"];
    /** /v1/workspaces (permission: WorkspaceCreate) */
    post: operations["post_v1_workspaces"];
  };
  "/v1/workspaces/{slug}": {
    /** /v1/workspaces/{slug} (permission: WorkspaceRead) */
    get: operations["get_v1_workspaces__slug_"];
    /** /v1/workspaces/{slug} (permission: WorkspaceUpdate) */
    patch: operations["patch_v1_workspaces__slug_"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    /** @description A metered action's price for the workspace. */
    ActionPrice: {
      action: string;
      /** Format: int64 */
      microcredits: number;
      /** @description What one unit is (`step`, `token`, `call`). */
      unit: string;
      /** @description The operator set this workspace's own price. */
      workspace_price: boolean;
    };
    /** @description `GET /v1/billing/action-pricing`'s answer: the workspace's resolved prices. */
    ActionPricing: {
      billing_enabled: boolean;
      prices: components["schemas"]["ActionPrice"][];
    };
    /** @description One action's spending in the summary's period. */
    ActionSpending: {
      action: string;
      /** Format: int64 */
      microcredits: number;
      /** Format: int64 */
      quantity: number;
    };
    /** @description `GET /v1/agents`'s answer, oldest first. */
    AgentList: {
      agents: components["schemas"]["AgentView"][];
    };
    /** @description One tool server of an agent, as stored and shown. */
    AgentToolSet: {
      /** @description An MCP instance of the agent's project. */
      instance_id?: string | null;
      /** @description Or a server URL (resolved like an `mcp_call`'s `server_url`). */
      server_url?: string | null;
      /** @description The tools of that server the agent may call (at least one). */
      tool_names: string[];
    };
    /** @description The API shape of an agent (docs/contract.md §13). */
    AgentView: {
      created_at: components["schemas"]["Time"];
      description: string;
      id: string;
      /** @description The system prompt of the agent's model calls. */
      instructions: string;
      llm_params: Record<string, unknown> | null;
      /** Format: int32 */
      max_turns: number;
      model: string | null;
      model_ref: string | null;
      name: string;
      project_id: string;
      /** Format: int64 */
      token_budget: number | null;
      tools: components["schemas"]["AgentToolSet"][];
      updated_at: components["schemas"]["Time"];
      workflows_as_tools: string[];
    };
    /** @description `live-runs` (runs not finished now, whatever the period) and `runs-count`. */
    AnalyticsCount: components["schemas"]["PeriodEcho"] & {
      /** Format: int64 */
      count: number;
    };
    /** @description `DELETE /v1/workflows/{id}`'s answer. */
    ArchivedWorkflow: {
      id: string;
      /** @description Always `archived`. */
      status: components["schemas"]["WorkflowStatus"];
    };
    /** @description A workspace's balances in microcredits (1 credit = 1,000,000 microcredits). */
    BillingBalances: {
      /** Format: int64 */
      included_remaining: number;
      /** Format: int64 */
      payg_remaining: number;
      /** Format: int64 */
      total_remaining_microcredits: number;
      /** Format: int64 */
      trial_remaining: number;
    };
    /** @description One ledger row: negative `microcredits` for debits, positive for credits. */
    BillingEntry: {
      action: string;
      at: components["schemas"]["Time"];
      /** Format: int64 */
      attempt: number | null;
      bucket: string;
      id: string;
      /** Format: int64 */
      microcredits: number;
      note: string | null;
      /**
       * Format: int64
       * @description Of a debit drawn from several buckets, only the first row carries the quantity.
       */
      quantity: number;
      run_id: string | null;
      step_id: string | null;
    };
    /**
     * @description A plan of this deployment (`GET /v1/billing/plans`), with the hosted catalog's names
     * for the same facts (docs/billing.md "Routes").
     */
    BillingPlan: {
      /**
       * Format: int64
       * @description `price_cents`, under the hosted catalog's name.
       */
      amount: number;
      currency: string;
      /** Format: int64 */
      included_microcredits: number;
      /** @enum {string} */
      interval: "month" | "year";
      /**
       * Format: int64
       * @description Always 1.
       */
      interval_count: number;
      /** Format: int32 */
      max_members: number | null;
      name: string;
      /** @description Always `false`: no plan runs into debt. */
      overdraft: boolean;
      plan_code: string;
      /** Format: int64 */
      price_cents: number;
      /** @description `name`, under the hosted catalog's name. */
      product_name: string;
      stripe_price_id: string | null;
      /**
       * Format: int64
       * @description `trial_microcredits`, under the hosted catalog's name.
       */
      trial_credits_granted: number | null;
      /** Format: int32 */
      trial_days: number | null;
      trial_enabled: boolean;
      /** Format: int64 */
      trial_microcredits: number | null;
      /** @description Always `false`. */
      trial_requires_card: boolean;
    };
    /** @description `GET /v1/billing/plans`'s answer: this deployment's plans. */
    BillingPlans: {
      plans: components["schemas"]["BillingPlan"][];
      product_code: string;
    };
    /**
     * @description A workspace's subscription (`GET /v1/billing/status`); `status: none` and nulls
     * without one.
     */
    BillingStatus: {
      cancel_at_period_end: boolean;
      current_period_end: components["schemas"]["Time"] | null;
      /** @description A downgrade waiting for the period's end. */
      pending_plan_code: string | null;
      plan_code: string | null;
      /** @enum {string} */
      status: "trialing" | "active" | "past_due" | "canceled" | "none";
      trial_ends_at: components["schemas"]["Time"] | null;
    };
    /**
     * @description `GET /v1/billing/summary`: plan, status, balances and the workspace's spending of the
     * current period (the last 30 days without one) by action.
     */
    BillingSummary: {
      balances: components["schemas"]["BillingBalances"];
      billing_enabled: boolean;
      period: components["schemas"]["SummaryPeriod"];
      plan_code: string | null;
      /** @enum {string} */
      status: "trialing" | "active" | "past_due" | "canceled" | "none";
      subscription: components["schemas"]["BillingStatus"];
      usage: components["schemas"]["ActionSpending"][];
    };
    /** @description One provider of `GET /v1/llm-provider-keys/catalog`. */
    CatalogProvider: {
      /** @enum {string} */
      flavor: "openai_compatible" | "anthropic";
      /**
       * @description Always `null`: the server keeps no model lists (any wire name the provider
       * accepts works).
       */
      models: string[] | null;
      name: string;
      requires_api_key: boolean;
      /** @description The operator's key serves this workspace. */
      system_key: boolean;
      /** @description The workspace has its own key for it. */
      workspace_key: boolean;
    };
    /** @description Who wrote a message. */
    ChatAuthor: {
      id: string;
      /** @description `user`, `agent` or `autopilot`. */
      kind: string;
    };
    /** @description A stored chat message; immutable once stored, `seq` counts 1, 2, 3… per thread. */
    ChatMessage: {
      /** @description What the Autopilot did during its turn (`[{action, status, result}]`). */
      actions: Record<string, unknown>[];
      author: components["schemas"]["ChatAuthor"];
      created_at: components["schemas"]["Time"];
      /** @description `{code, message}` of a failed turn; `null` otherwise. */
      error: Record<string, unknown> | null;
      id: string;
      run_id: string | null;
      /** Format: int64 */
      seq: number;
      text: string;
      thread_id: string;
    };
    /** @description One page of `GET /v1/chat/threads/{id}/messages` (oldest first). */
    ChatMessagesPage: {
      messages: components["schemas"]["ChatMessage"][];
      /**
       * Format: int64
       * @description Pass it back as `after_seq`; `null` on the last page.
       */
      next_after_seq: number | null;
    };
    /** @description A chat thread: an agent room (`dm`, `channel`) or an Autopilot conversation. */
    ChatThread: {
      agent_ids: string[];
      created_at: components["schemas"]["Time"];
      created_by: string;
      id: string;
      /** @description `dm`, `channel` or `autopilot`. */
      kind: string;
      last_message_at: components["schemas"]["Time"] | null;
      project_id: string;
      title: string;
      updated_at: components["schemas"]["Time"];
    };
    /** @description One page of `GET /v1/chat/threads` (newest activity first). */
    ChatThreadsPage: {
      /** @description Pass it back as `cursor`; `null` on the last page. */
      next_cursor: string | null;
      threads: components["schemas"]["ChatThread"][];
    };
    /**
     * @description `POST /v1/workflows/{id}/command`'s answer: the started run, or the run a `pause`,
     * `resume` or `stop` acted on.
     */
    CommandAnswer: components["schemas"]["StartedRun"] | components["schemas"]["CommandDone"];
    /** @description The run a `pause`, `resume` or `stop` acted on, in its state now. */
    CommandDone: {
      /** @description `pause`, `resume` or `stop`. */
      command: string;
      run_id: string;
      /** @enum {string} */
      status: "queued" | "running" | "paused" | "draining" | "completed" | "failed" | "stopped";
      workflow_id: string;
    };
    /** @enum {string} */
    CommandName: "start" | "pause" | "resume" | "stop";
    /** @description `POST …/tasks/{task_id}/complete`'s answer. */
    CompletedTask: {
      approved: boolean;
      run_id: string;
      /** @description Always `completed`. */
      status: string;
      task_id: string;
    };
    /**
     * @description A config profile of an instance: its `env`/`headers` values as references (literal
     * text, or a vault secret's or a connection credential's name), never opened values.
     */
    ConfigProfile: {
      /** @description The instance's calls use this profile. */
      active: boolean;
      connection_env: string | null;
      connection_id: string | null;
      created_at: components["schemas"]["Time"];
      env: Record<string, unknown>;
      headers: Record<string, unknown>;
      id: string;
      instance_id: string;
      name: string;
      updated_at: components["schemas"]["Time"];
    };
    /** @description `GET /v1/mcp/instances/{id}/config-profiles`'s answer. */
    ConfigProfileList: {
      config_profiles: components["schemas"]["ConfigProfile"][];
    };
    /** @description A connection as the API shows it. */
    Connection: {
      /** @description `api_key`, `token`, `basic`, `dsn`, `custom` or `oauth2`. */
      auth_type: string;
      created_at: components["schemas"]["Time"];
      created_by: string;
      /** @description The names of the credential values (never the values). */
      credential_keys: string[];
      display_name: string;
      expires_at: components["schemas"]["Time"] | null;
      id: string;
      /** @description The same as `display_name`. */
      name: string;
      oauth: components["schemas"]["ConnectionOAuth"] | null;
      project_id: string;
      provider: string;
      service: string | null;
      /** @description `active` or `needs_reauth`. */
      status: string;
      status_reason: string | null;
      updated_at: components["schemas"]["Time"];
    };
    /** @description `GET /v1/connections`'s answer, newest first. */
    ConnectionList: {
      connections: components["schemas"]["Connection"][];
    };
    /** @description An OAuth 2.0 connection's client settings (the client secret only as `has_client_secret`). */
    ConnectionOAuth: {
      /** @description A provider preset's account (Google: e-mail, enabled services); `null` otherwise. */
      account: unknown;
      authorization_url: string;
      client_id: string;
      has_client_secret: boolean;
      revocation_url: string | null;
      scopes: string[];
      token_url: string;
    };
    /**
     * @description `POST /v1/invites`'s answer; the token is shown only here. No `Debug`: the token must
     * not reach a log.
     */
    CreatedInvite: {
      accept_url: string;
      email: string;
      expires_at: components["schemas"]["Time"];
      id: string;
      /** @enum {string} */
      role: "member" | "admin";
      /** @description The one-time token (`inv_…`). */
      token: string;
    };
    /**
     * @description `POST /v1/pats`'s answer: the token's metadata and, this once, the token. No `Debug`:
     * the token must not reach a log.
     */
    CreatedPat: components["schemas"]["Pat"] & {
      /** @description The bearer token (`pat_…`); never shown again. */
      token: string;
    };
    /**
     * @description `POST /v1/inbound-webhooks`'s answer. The hosted answer wraps the subscription
     * (`subscription`, beside the ingress and the secret); this project's clients read the
     * same fields at the top level. No `Debug`: the secret must not reach a log.
     */
    CreatedWebhook: components["schemas"]["Webhook"] & {
      /** @description The HMAC signing secret, shown only in this answer. */
      signing_secret: string;
      subscription: components["schemas"]["Webhook"];
    };
    /**
     * @description `POST /v1/workflows`'s answer: the workflow, and how an import mapped its `mcp_call`
     * bindings (absent when the graph has none).
     */
    CreatedWorkflow: components["schemas"]["Workflow"] & ({
      instance_mappings?: components["schemas"]["InstanceMapping"][] | null;
    });
    /** @description `POST /v1/workspaces`'s answer: the workspace and its first project. */
    CreatedWorkspace: components["schemas"]["Workspace"] & {
      default_project: components["schemas"]["Project"];
    };
    /** @description `GET /v1/connections/{id}/credentials`: what the credentials are, never what they hold. */
    CredentialsMetadata: {
      auth_type: string;
      connection_id: string;
      credential_keys: string[];
      expires_at: components["schemas"]["Time"] | null;
      has_refresh_token: boolean;
      last_refreshed_at: components["schemas"]["Time"] | null;
      /** @description An OAuth connection's scopes; `null` otherwise. */
      scopes: string[] | null;
      status: string;
      status_reason: string | null;
      updated_at: components["schemas"]["Time"];
    };
    /** @description `POST /v1/billing/credits/grant`'s answer. */
    CreditGrant: {
      balances: components["schemas"]["BillingBalances"];
      entry: components["schemas"]["BillingEntry"];
    };
    /** @description `credits-consumed`: what the ledger debited the project's runs. */
    CreditsConsumed: components["schemas"]["PeriodEcho"] & {
      /** Format: int64 */
      microcredits: number;
    };
    /** @description The ingress answer: the run, the subscription, and whether the key was seen before. */
    Delivered: components["schemas"]["StartedRun"] & {
      /**
       * @description The `Idempotency-Key` was seen before: `run_id` is the run the first delivery
       * started.
       */
      duplicate: boolean;
      subscription_id: string;
    };
    /** @description `POST /v1/mcp/servers/discover`'s answer: what registering the URL would find. */
    Discovered: {
      /** @description `[{name, description, input_schema, output_schema}]` */
      tools: Record<string, unknown>[];
      url: string;
    };
    /** @description `GET …/runs/{run_id}/events`'s answer. */
    EventPage: {
      events: components["schemas"]["RunEvent"][];
      /** @description The page is full: more events may follow. */
      has_more: boolean;
      /**
       * Format: int64
       * @description The last `seq` returned (or the `after_seq` given when none): pass it back.
       */
      next_after_seq: number;
    };
    /** @description `execution-duration`: the summed wall-clock time of the period's finished runs. */
    ExecutionDuration: components["schemas"]["PeriodEcho"] & {
      /** Format: int64 */
      runs: number;
      /** Format: int64 */
      total_ms: number;
    };
    /** @description What happened to one `mcp_call` step's binding. */
    InstanceMapping: {
      /** @description The `instance_id` the imported graph carried. */
      from_instance_id: string | null;
      /** @description The `instance_id` the step has now. */
      instance_id: string | null;
      server_url: string | null;
      /** @enum {string} */
      status: "kept" | "mapped" | "resolved" | "server_url" | "unresolved";
      step_id: string;
    };
    /** @description `POST /v1/invites/{token}/accept`'s answer: the workspace joined. */
    InviteAccepted: {
      workspace: components["schemas"]["Workspace"];
    };
    /** @description `GET /v1/llm-provider-keys/catalog`'s answer. */
    LlmCatalog: {
      providers: components["schemas"]["CatalogProvider"][];
    };
    /** @description A key as the API shows it: nothing of the key itself. */
    LlmKey: {
      created_at: components["schemas"]["Time"];
      created_by: string;
      id: string;
      label: string | null;
      provider: string;
    };
    /** @description `GET /v1/llm-provider-keys`'s answer. */
    LlmKeyList: {
      llm_provider_keys: components["schemas"]["LlmKey"][];
    };
    /** @description LLM tokens metered in the period. */
    LlmTokens: {
      /** Format: int64 */
      in: number;
      /** Format: int64 */
      out: number;
    };
    /** @description An instance of a server in a project: what steps call through. */
    McpInstance: {
      /** @description The config profile calls use; `null` without one. */
      active_profile_id: string | null;
      created_at: components["schemas"]["Time"];
      id: string;
      name: string;
      project_id: string;
      server_id: string;
      server_name: string | null;
      /** @description The server's `canonical_url` (`null` if the server is gone). */
      server_url: string | null;
      transport: string | null;
      updated_at: components["schemas"]["Time"];
    };
    /** @description `GET /v1/mcp/instances/{id}`'s answer: the instance and its server (absent if gone). */
    McpInstanceDetail: components["schemas"]["McpInstance"] & ({
      server?: components["schemas"]["McpServer"] | null;
    });
    /** @description `GET /v1/mcp/instances`'s answer. */
    McpInstanceList: {
      instances: components["schemas"]["McpInstance"][];
    };
    /** @description A server as the API shows it. */
    McpServer: {
      /** @description `none`, `token` or `oauth`. */
      auth_mode: string;
      /** @description The URL steps name it by (`stdio:<name>` for an operator's local command). */
      canonical_url: string;
      created_at: components["schemas"]["Time"];
      /** Format: int64 */
      current_version: number;
      description: string | null;
      id: string;
      /** @enum {string} */
      mode: "third_party" | "platform";
      name: string;
      /** @description The registering project; `null` for a server of the operator's catalog. */
      project_id: string | null;
      /** @description `catalog` or `custom`. */
      source: string;
      /** @description The current tool list: `[{name, description, input_schema, output_schema}]`. */
      tools: Record<string, unknown>[];
      /** @description `http` or `stdio`. */
      transport: string;
      updated_at: components["schemas"]["Time"];
      /** @description The last validation result; `null` until validated. */
      validation: Record<string, unknown> | null;
    };
    /** @description `GET /v1/mcp/servers`'s answer. */
    McpServerList: {
      servers: components["schemas"]["McpServer"][];
    };
    /** @description `GET /v1/auth/me`'s answer. */
    Me: {
      user: components["schemas"]["User"];
      workspaces: components["schemas"]["MeWorkspace"][];
    };
    /**
     * @description A project the caller can see, with their effective role (`read_only`: a workspace
     * admin's view of a private project).
     */
    MeProject: {
      id: string;
      name: string;
      role: string;
    };
    /** @description A workspace of the caller, with the projects they can see there. */
    MeWorkspace: {
      id: string;
      name: string;
      projects: components["schemas"]["MeProject"][];
      /** @description `member`, `admin` or `owner`. */
      role: string;
      slug: string;
    };
    /** @description A workspace member. */
    Member: {
      active: boolean;
      email: string;
      joined_at: components["schemas"]["Time"];
      name: string | null;
      /** @enum {string} */
      role: "member" | "admin" | "owner";
      user_id: string;
    };
    /** @description `GET /v1/members`'s answer. */
    MemberList: {
      members: components["schemas"]["Member"][];
    };
    /** @description `POST /v1/connections/oauth/start`'s answer: send the user to `authorize_url`. */
    OAuthStarted: {
      authorize_url: string;
      expires_at: components["schemas"]["Time"];
      redirect_uri: string;
      /** @description The single-use authorization state the provider sends back. */
      state: string;
    };
    /**
     * @description What the orchestrator is doing with the run, one word: `queued`, `executing`,
     * `awaiting_human` (running, with a human task waiting for completion), `paused`,
     * `draining`, `finished`.
     * @enum {string}
     */
    OrchestrationPhase: "queued" | "executing" | "awaiting_human" | "paused" | "draining" | "finished";
    /** @description A token's metadata; the token itself is never shown again after creation. */
    Pat: {
      created_at: components["schemas"]["Time"];
      /** @description The same as `name` (the console's label). */
      display_name: string;
      expires_at: components["schemas"]["Time"] | null;
      id: string;
      last_used_at: components["schemas"]["Time"] | null;
      name: string;
      revoked_at: components["schemas"]["Time"] | null;
      scopes: string[];
      workspace_id: string;
    };
    /** @description `GET /v1/pats`'s answer. */
    PatList: {
      pats: components["schemas"]["Pat"][];
    };
    /** @description `GET /v1/billing/payment-history`'s answer: credits paid for or granted, newest first. */
    PaymentHistory: {
      /** @description Pass it back as `cursor`; `null` on the last page. */
      next_cursor: string | null;
      payments: components["schemas"]["BillingEntry"][];
    };
    /**
     * @description A pending task. Its `task_id` is the step id within the run (docs/contract.md §6): stable, and
     * unique together with the run id that every task route also carries.
     */
    PendingTask: {
      created_at: components["schemas"]["Time"];
      expires_at: components["schemas"]["Time"] | null;
      project_id: string | null;
      run_id: string;
      step_id: string;
      task_id: string;
      /** @description The resolved `task_payload`. */
      task_payload: unknown;
      task_type: string;
      workflow_id: string;
      workflow_name: string | null;
    };
    /** @description `window`, `from` and `to`, as answered with every result. */
    PeriodEcho: {
      from: components["schemas"]["Time"] | null;
      to: components["schemas"]["Time"];
      /** @enum {string|null} */
      window: "week" | "month" | "all" | null;
    };
    /**
     * @description `POST /v1/billing/subscription/change-plan`'s answer: the status, and when the new
     * plan applies.
     */
    PlanChanged: components["schemas"]["BillingStatus"] & ({
      /** @enum {string} */
      applies: "now" | "period_end";
    });
    /** @description A project with the caller's effective role in it. */
    Project: {
      created_at: components["schemas"]["Time"];
      id: string;
      name: string;
      /**
       * @description The caller's effective role: `project_viewer`, `project_contributor`,
       * `project_admin`, or `read_only` (a workspace admin's view of a private project).
       */
      role: string;
      /** @enum {string} */
      visibility: "public" | "private";
    };
    /** @description `GET /v1/projects`'s answer. */
    ProjectList: {
      projects: components["schemas"]["Project"][];
    };
    /** @description An explicit member of a project. */
    ProjectMember: {
      email: string;
      name: string | null;
      /** @enum {string} */
      role: "project_viewer" | "project_contributor" | "project_admin";
      user_id: string;
    };
    /** @description `GET /v1/projects/{id}/members`'s answer. */
    ProjectMemberList: {
      members: components["schemas"]["ProjectMember"][];
    };
    /** @description `PATCH /v1/projects/{id}/members/{user_id}`'s answer. */
    ProjectRoleSet: {
      /** @enum {string} */
      role: "project_viewer" | "project_contributor" | "project_admin";
      user_id: string;
    };
    /**
     * @description A tool of a published version. `inputSchema`/`outputSchema` (the MCP wire spelling)
     * are accepted in place of `input_schema`/`output_schema`.
     */
    PublishedTool: {
      description?: string | null;
      /** @description JSON Schema (an object) of the arguments; default `{"type": "object"}`. */
      input_schema?: Record<string, unknown> | null;
      /** @description The name steps call it by: 1–128 characters, unique in the version. */
      name: string;
      /** @description JSON Schema (an object) of the structured result. */
      output_schema?: Record<string, unknown> | null;
    };
    /**
     * @description `POST /v1/mcp/servers/{id}/discover`'s answer: the registered server's tools as it
     * offers them now.
     */
    Rediscovered: {
      /** @description The tools differ from the server's current version. */
      changed: boolean;
      server_id: string;
      /** @description `[{name, description, input_schema, output_schema}]` */
      tools: Record<string, unknown>[];
      url: string;
    };
    /** @description A signed delivery refused for its credential. */
    Refusal: {
      reason: string;
      refused_at: components["schemas"]["Time"];
    };
    /** @description `POST /v1/llm/resolve`'s answer. */
    Resolved: {
      /** @enum {string|null} */
      key_source: "workspace" | "system" | null;
      model: string;
      provider: string;
      requires_api_key: boolean;
      source: string;
    };
    /** @description `POST …/runs/{run_id}/retry`'s answer: the run, running again. */
    Retried: {
      from_step_id: string | null;
      run_id: string;
      /** @enum {string} */
      status: "queued" | "running" | "paused" | "draining" | "completed" | "failed" | "stopped";
      /** Format: int64 */
      version: number | null;
      workflow_id: string;
    };
    /** @description One run with its input and start params. */
    Run: {
      awaiting_human: boolean;
      client_run_id: string | null;
      created_at: components["schemas"]["Time"];
      error: string | null;
      failure_code: string | null;
      finished_at: components["schemas"]["Time"] | null;
      input: unknown;
      params: unknown;
      project_id: string | null;
      resumed_from_run_id: string | null;
      run_id: string;
      started_at: components["schemas"]["Time"] | null;
      /** @enum {string} */
      status: "queued" | "running" | "paused" | "draining" | "completed" | "failed" | "stopped";
      /** Format: int64 */
      version: number | null;
      /** @description `""` for a run of no workflow (an agent's chat turn). */
      workflow_id: string;
    };
    /** @description One event of a run's log. */
    RunEvent: {
      at: components["schemas"]["Time"];
      data: unknown;
      event_type: string;
      run_id: string;
      /** Format: int64 */
      seq: number;
      step_id: string | null;
      workflow_id: string;
    };
    /** @description A run in a list. */
    RunItem: {
      awaiting_human: boolean;
      client_run_id: string | null;
      created_at: components["schemas"]["Time"];
      failure_code: string | null;
      finished_at: components["schemas"]["Time"] | null;
      project_id: string | null;
      run_id: string;
      started_at: components["schemas"]["Time"] | null;
      /** @enum {string} */
      status: "queued" | "running" | "paused" | "draining" | "completed" | "failed" | "stopped";
      /** Format: int64 */
      version: number | null;
      /** @description `null` for a run of no workflow (an agent's chat turn). */
      workflow_id: string | null;
      workflow_name: string | null;
    };
    /** @description One page of a run list, newest first. */
    RunPage: {
      /** @description Pass it back as `cursor` for the next page; `null` on the last page. */
      next_cursor: string | null;
      runs: components["schemas"]["RunItem"][];
    };
    /** @description `GET …/runs/{run_id}/summary`'s answer. */
    RunSummary: {
      awaiting_human: boolean;
      failure_code: string | null;
      finished_at: components["schemas"]["Time"] | null;
      orchestration_phase: components["schemas"]["OrchestrationPhase"];
      run_complete: boolean;
      run_id: string;
      /** @description When it started; its creation time while queued. */
      started_at: components["schemas"]["Time"];
      /** @enum {string} */
      status: "queued" | "running" | "paused" | "draining" | "completed" | "failed" | "stopped";
      /** Format: int64 */
      version: number | null;
      workflow_id: string;
    };
    /** @description A bucket of `runs-timeseries`; `t` is the bucket's start (UTC). */
    RunsPoint: {
      /** Format: int64 */
      completed: number;
      /** Format: int64 */
      failed: number;
      /** Format: int64 */
      started: number;
      /** Format: int64 */
      stopped: number;
      t: components["schemas"]["Time"];
    };
    /** @description `runs-timeseries`: every bucket of the period, empty ones included. */
    RunsSeries: components["schemas"]["PeriodEcho"] & ({
      /** @enum {string} */
      granularity: "hour" | "day" | "week";
      points: components["schemas"]["RunsPoint"][];
    });
    /** @description A secret as the API shows it: metadata only. */
    Secret: {
      created_at: components["schemas"]["Time"];
      created_by: string;
      description: string | null;
      name: string;
      updated_at: components["schemas"]["Time"];
    };
    /** @description A grant of a secret to a project (names only, never the value). */
    SecretGrant: {
      created_at: components["schemas"]["Time"];
      granted_by: string;
      project_id: string;
      secret_name: string;
    };
    /**
     * @description A list of grants (`GET /v1/vault/secrets/{name}/grants`, by project;
     * `GET /v1/projects/{id}/vault-grants`, by secret name).
     */
    SecretGrantList: {
      grants: components["schemas"]["SecretGrant"][];
    };
    /** @description `GET /v1/vault/secrets`'s answer, by name. */
    SecretList: {
      secrets: components["schemas"]["Secret"][];
    };
    /** @description One tool-list version of a server. */
    ServerVersion: {
      /** @description The server's current version. */
      active: boolean;
      /**
       * @description The configuration an instance of this version takes (a JSON Schema); `null` when
       * none.
       */
      config_schema: Record<string, unknown> | null;
      created_at: components["schemas"]["Time"];
      /** @description `[{name, description, input_schema, output_schema}]` */
      tools: Record<string, unknown>[];
      /** Format: int64 */
      version: number;
    };
    /** @description `GET /v1/mcp/servers/{id}/versions`'s answer, newest first. */
    ServerVersionList: {
      versions: components["schemas"]["ServerVersion"][];
    };
    /** @description The answer of a sign-up (201) or sign-in (200), beside the session cookie. */
    SignedIn: {
      user: components["schemas"]["User"];
    };
    /** @description `GET /v1/auth/signup`'s answer: who may create an account on this server. */
    SignupPolicyView: {
      /** @enum {string} */
      signup: "open" | "invite";
    };
    /**
     * @description The answer to a start: `{run_id, status, workflow_id, version, started_at}` (docs/contract.md §7).
     * A repeated client `run_id` answers with the run it already started.
     */
    StartedRun: {
      run_id: string;
      /**
       * Format: date-time
       * @description RFC 3339.
       */
      started_at: string;
      /** @enum {string} */
      status: "queued" | "running" | "paused" | "draining" | "completed" | "failed" | "stopped";
      /** Format: int64 */
      version: number | null;
      workflow_id: string;
    };
    /** @description A card of the gallery (`GET /v1/starters`). */
    StarterCard: {
      /** @description One line: what the workflow does. */
      description: string;
      id: string;
      name: string;
      /** @description Steps in total, inner loop steps included. */
      step_count: number;
      /** @description The step types it uses, sorted. */
      step_types: string[];
    };
    /** @description `GET /v1/starters/{id}`: the card and the graph a workflow made from it starts with. */
    StarterDetail: components["schemas"]["StarterCard"] & {
      /** @description The graph, ready for `POST /v1/workflows`. */
      graph: Record<string, unknown>;
    };
    /** @description `GET /v1/starters`'s answer. */
    StarterList: {
      starters: components["schemas"]["StarterCard"][];
    };
    /** @description One step type of `steps-summary`; the percentiles are `null` without completed steps. */
    StepTypeSummary: {
      /** Format: int64 */
      completed: number;
      /** Format: int64 */
      p50_ms: number | null;
      /** Format: int64 */
      p95_ms: number | null;
      type: string;
    };
    /** @description `steps-executed`. */
    StepsExecuted: components["schemas"]["PeriodEcho"] & {
      /** Format: int64 */
      quantity: number;
    };
    /** @description `steps-summary`. */
    StepsSummary: components["schemas"]["PeriodEcho"] & {
      by_type: components["schemas"]["StepTypeSummary"][];
      llm_tokens: components["schemas"]["LlmTokens"];
    };
    /** @description `success-rate`: the runs that finished in the period, by outcome. */
    SuccessRate: components["schemas"]["PeriodEcho"] & ({
      /** Format: int64 */
      completed: number;
      /** Format: int64 */
      failed: number;
      /**
       * Format: double
       * @description `completed / terminal`; `null` below 3 finished runs.
       */
      rate: number | null;
      /** Format: int64 */
      stopped: number;
      /** Format: int64 */
      terminal: number;
    });
    /** @description `[from, to)` of the summary. */
    SummaryPeriod: {
      from: components["schemas"]["Time"];
      to: components["schemas"]["Time"];
    };
    /** @description A list of pending tasks, oldest first. */
    TaskList: {
      tasks: components["schemas"]["PendingTask"][];
    };
    /** Format: date-time */
    Time: string;
    /** @description A cron trigger as the API shows it. */
    Trigger: {
      created_at: components["schemas"]["Time"];
      cron: string;
      enabled: boolean;
      excluded_step_ids: string[];
      id: string;
      /** @description Why the last fire started no run, if it did not. */
      last_error: string | null;
      last_fired_at: components["schemas"]["Time"] | null;
      last_run_id: string | null;
      next_fire_at: components["schemas"]["Time"] | null;
      /** @description IANA time zone name the expression is read in. */
      timezone: string;
      trigger_payload: Record<string, unknown>;
      trigger_steps: Record<string, unknown>;
      updated_at: components["schemas"]["Time"];
      workflow_id: string;
    };
    /** @description `GET /v1/workflows/{id}/triggers`'s answer, oldest first. */
    TriggerList: {
      triggers: components["schemas"]["Trigger"][];
    };
    /** @description One metered dimension of `GET /v1/billing/usage-dimensions`. */
    UsageDimension: {
      action: string;
      /** Format: int64 */
      quantity: number;
      unit: string;
    };
    /**
     * @description `GET /v1/billing/usage-dimensions`'s answer: what the project's runs consumed per
     * metered dimension in `[from, to)`, priced or not.
     */
    UsageDimensions: {
      dimensions: components["schemas"]["UsageDimension"][];
      from: components["schemas"]["Time"];
      project_id: string;
      to: components["schemas"]["Time"];
    };
    /** @description `GET /v1/billing/usage-history`'s answer: the project's debits, newest first. */
    UsageHistory: {
      entries: components["schemas"]["BillingEntry"][];
      /** @description Pass it back as `cursor`; `null` on the last page. */
      next_cursor: string | null;
    };
    /** @description A bucket of `usage-timeseries`; `t` is the bucket's start (UTC). */
    UsagePoint: {
      /** Format: int64 */
      llm_tokens_in: number;
      /** Format: int64 */
      llm_tokens_out: number;
      /** Format: int64 */
      mcp_calls: number;
      /** Format: int64 */
      microcredits: number;
      /** Format: int64 */
      steps_executed: number;
      t: components["schemas"]["Time"];
    };
    /** @description `usage-timeseries`: every bucket of the period, empty ones included. */
    UsageSeries: components["schemas"]["PeriodEcho"] & ({
      /** @enum {string} */
      granularity: "hour" | "day" | "week";
      points: components["schemas"]["UsagePoint"][];
    });
    /** @description A user account (never its password). */
    User: {
      email: string;
      id: string;
      name: string | null;
    };
    /** @description A version with its immutable graph snapshot. */
    Version: components["schemas"]["VersionSummary"] & {
      graph_snapshot: unknown;
      /** @description The run setup the version was published with; `null` when none. */
      run_setup: unknown;
    };
    /** @description `GET /v1/workflows/{id}/versions`'s answer. */
    VersionList: {
      versions: components["schemas"]["VersionSummary"][];
    };
    /** @description A version in a list (no graph). */
    VersionSummary: {
      changelog: string | null;
      graph_hash: string;
      published_at: components["schemas"]["Time"];
      /** Format: int64 */
      version: number;
      workflow_id: string;
    };
    /** @description A webhook subscription. */
    Webhook: {
      automation_pat_id: string | null;
      automation_user_id: string;
      created_at: components["schemas"]["Time"];
      enabled: boolean;
      /** @description Payload defaults every delivery's body is merged over. */
      extras: Record<string, unknown>;
      id: string;
      ingress_path: string;
      ingress_url: string;
      name: string;
      project_id: string;
      require_timestamp: boolean;
      /** @description The same as `id`. */
      subscription_id: string;
      /** @description The workspace's id. */
      tenant_id: string;
      updated_at: components["schemas"]["Time"];
      workflow_id: string;
    };
    /** @description `GET /v1/inbound-webhooks/{id}`'s answer. */
    WebhookDetail: components["schemas"]["Webhook"] & ({
      last_refusal: components["schemas"]["Refusal"] | null;
    });
    /** @description `GET /v1/inbound-webhooks`'s answer, newest first. */
    WebhookList: {
      inbound_webhooks: components["schemas"]["Webhook"][];
    };
    /** @description A workflow with its draft graph and run setup. */
    Workflow: components["schemas"]["WorkflowSummary"] & {
      /** @description The draft graph (docs/contract.md §9), as saved. */
      graph: unknown;
      /** @description Saved run-setup defaults (docs/contract.md §7); `null` when none. */
      run_setup: unknown;
    };
    /** @description `GET /v1/workflows`'s answer. */
    WorkflowList: {
      workflows: components["schemas"]["WorkflowSummary"][];
    };
    /**
     * @description `draft`, `published` (has a version) or `archived`.
     * @enum {string}
     */
    WorkflowStatus: "draft" | "published" | "archived";
    /** @description A workflow in a list (no graph). */
    WorkflowSummary: {
      created_at: components["schemas"]["Time"];
      description: string;
      id: string;
      /**
       * Format: int64
       * @description The newest published version's number; `null` while a draft.
       */
      latest_version: number | null;
      name: string;
      project_id: string;
      status: components["schemas"]["WorkflowStatus"];
      updated_at: components["schemas"]["Time"];
    };
    /** @description A workspace with the caller's role in it. */
    Workspace: {
      admins_full_access_to_private: boolean;
      created_at: components["schemas"]["Time"];
      id: string;
      name: string;
      product_code: string;
      /** @description The caller's role: `member`, `admin` or `owner` (`none` without one). */
      role: string;
      slug: string;
    };
    /** @description `GET /v1/workspaces`'s answer. */
    WorkspaceList: {
      workspaces: components["schemas"]["Workspace"][];
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /** /v1/agents (permission: AgentsRead) */
  get_v1_agents: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["AgentList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/agents (permission: AgentsManage) */
  post_v1_agents: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          description?: string | null;
          /** @description The system prompt of the agent's model calls. */
          instructions?: string | null;
          llm_params?: Record<string, unknown> | null;
          /**
           * Format: int32
           * @description Tool rounds per turn, 1–50 (default 8).
           */
          max_turns?: number | null;
          /** @description A model of the default provider; or `model_ref`. */
          model?: string | null;
          /** @description `<source>.<provider>.<model>`, e.g. `direct.openai.gpt-4o-mini`. */
          model_ref?: string | null;
          name: string;
          /**
           * Format: int64
           * @description Tokens (in + out) per turn; none: unlimited.
           */
          token_budget?: number | null;
          tools?: components["schemas"]["AgentToolSet"][] | null;
          /** @description Workflow ids of the project (stored; offered as tools in a later release). */
          workflows_as_tools?: string[] | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["AgentView"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/agents/{id} (permission: AgentsRead) */
  get_v1_agents__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["AgentView"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/agents/{id} (permission: AgentsManage) */
  delete_v1_agents__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/agents/{id} (permission: AgentsManage) */
  patch_v1_agents__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          description?: string | null;
          instructions?: string | null;
          llm_params?: Record<string, unknown> | null;
          /** Format: int32 */
          max_turns?: number | null;
          model?: string | null;
          model_ref?: string | null;
          name?: string | null;
          /** Format: int64 */
          token_budget?: number | null;
          tools?: components["schemas"]["AgentToolSet"][] | null;
          workflows_as_tools?: string[] | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["AgentView"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/analytics/credits-consumed (permission: AnalyticsRead) */
  get_v1_analytics_credits_consumed: {
    parameters: {
      query?: {
        /** @description the last 7 or 30 days, or everything; default `month`; not with `from`/`to` */
        window?: "week" | "month" | "all";
        /** @description RFC 3339 start (inclusive); default: the beginning */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now */
        to?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["CreditsConsumed"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/analytics/execution-duration (permission: AnalyticsRead) */
  get_v1_analytics_execution_duration: {
    parameters: {
      query?: {
        /** @description the last 7 or 30 days, or everything; default `month`; not with `from`/`to` */
        window?: "week" | "month" | "all";
        /** @description RFC 3339 start (inclusive); default: the beginning */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now */
        to?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ExecutionDuration"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/analytics/live-runs (permission: AnalyticsRead) */
  get_v1_analytics_live_runs: {
    parameters: {
      query?: {
        /** @description the last 7 or 30 days, or everything; default `month`; not with `from`/`to` */
        window?: "week" | "month" | "all";
        /** @description RFC 3339 start (inclusive); default: the beginning */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now */
        to?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["AnalyticsCount"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/analytics/runs-count (permission: AnalyticsRead) */
  get_v1_analytics_runs_count: {
    parameters: {
      query?: {
        /** @description the last 7 or 30 days, or everything; default `month`; not with `from`/`to` */
        window?: "week" | "month" | "all";
        /** @description RFC 3339 start (inclusive); default: the beginning */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now */
        to?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["AnalyticsCount"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/analytics/runs-timeseries (permission: AnalyticsRead) */
  get_v1_analytics_runs_timeseries: {
    parameters: {
      query?: {
        /** @description the last 7 or 30 days, or everything; default `month`; not with `from`/`to` */
        window?: "week" | "month" | "all";
        /** @description RFC 3339 start (inclusive); default: the beginning */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now */
        to?: string;
        /** @description bucket width (UTC; weeks start on Monday); default `day`; at most 2000 points */
        granularity?: "hour" | "day" | "week";
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["RunsSeries"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/analytics/steps-executed (permission: AnalyticsRead) */
  get_v1_analytics_steps_executed: {
    parameters: {
      query?: {
        /** @description the last 7 or 30 days, or everything; default `month`; not with `from`/`to` */
        window?: "week" | "month" | "all";
        /** @description RFC 3339 start (inclusive); default: the beginning */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now */
        to?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["StepsExecuted"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/analytics/steps-summary (permission: AnalyticsRead) */
  get_v1_analytics_steps_summary: {
    parameters: {
      query?: {
        /** @description the last 7 or 30 days, or everything; default `month`; not with `from`/`to` */
        window?: "week" | "month" | "all";
        /** @description RFC 3339 start (inclusive); default: the beginning */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now */
        to?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["StepsSummary"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/analytics/success-rate (permission: AnalyticsRead) */
  get_v1_analytics_success_rate: {
    parameters: {
      query?: {
        /** @description the last 7 or 30 days, or everything; default `month`; not with `from`/`to` */
        window?: "week" | "month" | "all";
        /** @description RFC 3339 start (inclusive); default: the beginning */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now */
        to?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["SuccessRate"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/analytics/usage-timeseries (permission: AnalyticsRead) */
  get_v1_analytics_usage_timeseries: {
    parameters: {
      query?: {
        /** @description the last 7 or 30 days, or everything; default `month`; not with `from`/`to` */
        window?: "week" | "month" | "all";
        /** @description RFC 3339 start (inclusive); default: the beginning */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now */
        to?: string;
        /** @description bucket width (UTC; weeks start on Monday); default `day`; at most 2000 points */
        granularity?: "hour" | "day" | "week";
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["UsageSeries"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/auth/login */
  post_v1_auth_login: {
    requestBody: {
      content: {
        "application/json": {
          email: string;
          password: string;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["SignedIn"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/auth/logout */
  post_v1_auth_logout: {
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/auth/me */
  get_v1_auth_me: {
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Me"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/auth/password */
  post_v1_auth_password: {
    requestBody: {
      content: {
        "application/json": {
          current_password: string;
          new_password: string;
        };
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/auth/signup */
  get_v1_auth_signup: {
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["SignupPolicyView"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/auth/signup */
  post_v1_auth_signup: {
    requestBody: {
      content: {
        "application/json": {
          /** Format: email */
          email: string;
          /** @description Required when sign-up is invite-only; accepted (and used) either way. */
          invite_token?: string | null;
          name?: string | null;
          password: string;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["SignedIn"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/autopilot/chat (permission: ChatRead) */
  post_v1_autopilot_chat: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description 1 to 16 KiB of text. */
          message: string;
          /** @enum {string} */
          mode: "ask" | "autopilot";
          /** @description An autopilot thread of the caller; none: a new thread. */
          thread_id?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/autopilot/stream (permission: ChatRead) */
  get_v1_autopilot_stream: {
    parameters: {
      query: {
        thread_id: string;
        message_id: string;
      };
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    responses: {
      /** @description server-sent events */
      200: {
        content: {
          "text/event-stream": {
            data?: string;
            event?: string;
            id?: string;
            retry?: number;
          };
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/action-pricing (permission: BillingRead) */
  get_v1_billing_action_pricing: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ActionPricing"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/codes/apply (permission: BillingManage) */
  post_v1_billing_codes_apply: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          code: string;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/credits/grant (permission: BillingGrant) */
  post_v1_billing_credits_grant: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /**
           * Format: int64
           * @description PAYG microcredits to add (one credit is 1,000,000).
           */
          microcredits: number;
          /** @description Why (an invoice number, …), kept on the ledger row. */
          note?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["CreditGrant"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/discounts/validate (permission: BillingManage) */
  post_v1_billing_discounts_validate: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          code: string;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/payment-history (permission: BillingRead) */
  get_v1_billing_payment_history: {
    parameters: {
      query?: {
        /** @description Page size, 1 to 200 (default 50). */
        limit?: number;
        /** @description The previous page's `next_cursor`. */
        cursor?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["PaymentHistory"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/plans (permission: BillingRead) */
  get_v1_billing_plans: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["BillingPlans"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/status (permission: BillingRead) */
  get_v1_billing_status: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["BillingStatus"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/subscription (permission: BillingManage) */
  post_v1_billing_subscription: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description A plan of `GET /v1/billing/plans`. */
          plan_code?: string | null;
          /** @description Or, as the hosted API takes it, the plan's `stripe_price_id` from the catalog. */
          stripe_price_id?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["BillingStatus"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/subscription/cancel (permission: BillingManage) */
  post_v1_billing_subscription_cancel: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description End at the end of the period (default) or, false, now. */
          at_period_end?: boolean;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["BillingStatus"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/subscription/change-plan (permission: BillingManage) */
  post_v1_billing_subscription_change_plan: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description A plan of `GET /v1/billing/plans`. */
          plan_code?: string | null;
          /** @description Or, as the hosted API takes it, the plan's `stripe_price_id` from the catalog. */
          stripe_price_id?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["PlanChanged"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/subscription/convert-trial-now (permission: BillingManage) */
  post_v1_billing_subscription_convert_trial_now: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["BillingStatus"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/summary (permission: BillingRead) */
  get_v1_billing_summary: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["BillingSummary"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/topups/payg/intent (permission: BillingTopup) */
  post_v1_billing_topups_payg_intent: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /**
           * Format: int64
           * @description What the client expects to pay, discount included; checked against the price.
           */
          amount_cents?: number | null;
          currency?: string | null;
          /** @description The same key answers the same top-up (retries are safe). */
          idempotency_key: string;
          /**
           * Format: int64
           * @description PAYG microcredits to buy (a multiple of `microcredits_per_cent`).
           */
          microcredits?: number | null;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/topups/payg/{payment_id} (permission: BillingRead) */
  get_v1_billing_topups_payg__payment_id_: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
      path: {
        payment_id: string;
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/trial (permission: BillingManage) */
  post_v1_billing_trial: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description The plan to try; default: the server's `billing.default_plan`. */
          plan_code?: string | null;
          /** @description The hosted way to name the plan: its `stripe_price_id` from the catalog. */
          stripe_price_id?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["BillingStatus"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/usage (permission: BillingRead) */
  get_v1_billing_usage: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["BillingBalances"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/usage-dimensions (permission: BillingDimensionsRead) */
  get_v1_billing_usage_dimensions: {
    parameters: {
      query?: {
        /** @description RFC 3339 start (inclusive); default 30 days before `to`. */
        from?: string;
        /** @description RFC 3339 end (exclusive); default now. */
        to?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["UsageDimensions"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/usage-history (permission: BillingRead) */
  get_v1_billing_usage_history: {
    parameters: {
      query?: {
        /** @description Page size, 1 to 200 (default 50). */
        limit?: number;
        /** @description The previous page's `next_cursor`. */
        cursor?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["UsageHistory"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/billing/webhooks/stripe */
  post_v1_billing_webhooks_stripe: {
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/chat/threads (permission: ChatRead) */
  get_v1_chat_threads: {
    parameters: {
      query?: {
        /** @description Only threads of this kind. */
        kind?: "dm" | "channel" | "autopilot";
        /** @description Page size, 1 to 200 (default 50). */
        limit?: number;
        /** @description The previous page's `next_cursor`. */
        cursor?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ChatThreadsPage"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/chat/threads (permission: ChatRead) */
  post_v1_chat_threads: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description Agents of the project that answer the thread's messages (a dm has at most one). */
          agent_ids?: string[];
          /** @description `dm` or `channel` (autopilot threads are made by `POST /v1/autopilot/chat`). */
          kind: string;
          /** @description At most 200 characters; default "New chat". */
          title?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["ChatThread"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/chat/threads/{id} (permission: ChatRead) */
  get_v1_chat_threads__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ChatThread"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/chat/threads/{id} (permission: ChatRead) */
  delete_v1_chat_threads__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/chat/threads/{id} (permission: ChatRead) */
  patch_v1_chat_threads__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          title: string;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ChatThread"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/chat/threads/{id}/messages (permission: ChatRead) */
  get_v1_chat_threads__id__messages: {
    parameters: {
      query?: {
        /** @description Only messages with a greater seq. */
        after_seq?: number;
        /** @description Page size, 1 to 200 (default 50). */
        limit?: number;
      };
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ChatMessagesPage"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/chat/threads/{id}/messages (permission: ChatRead) */
  post_v1_chat_threads__id__messages: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description 1 to 32 KiB of text. */
          text: string;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["ChatMessage"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/chat/threads/{id}/stream (permission: ChatRead) */
  get_v1_chat_threads__id__stream: {
    parameters: {
      query?: {
        /** @description Only messages with a greater seq. */
        after_seq?: number;
        /** @description Workspace slug, for browsers that cannot send `X-Tenant-Id`. */
        tenant?: string;
      };
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description switched to a WebSocket */
      101: {
        content: never;
      };
      /** @description server-sent events */
      200: {
        content: {
          "text/event-stream": {
            data?: string;
            event?: string;
            id?: string;
            retry?: number;
          };
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/config/stripe */
  get_v1_config_stripe: {
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections (permission: ConnectionsRead) */
  get_v1_connections: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ConnectionList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections (permission: ConnectionsManage) */
  post_v1_connections: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @enum {string} */
          auth_type?: "api_key" | "token" | "basic" | "dsn" | "custom";
          /** @description An object of string values; sealed at rest, never returned. */
          credentials?: Record<string, unknown>;
          display_name: string;
          /** @description Who the credentials are for, e.g. `github`, `postgres`, `openai`. */
          provider: string;
          /** @description Optional finer label (a product of the provider, an environment …). */
          service?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["Connection"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/google/accounts/{connectionId} (permission: ConnectionsRead) */
  get_v1_connections_google_accounts__connectionId_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        connectionId: string;
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/google/accounts/{connectionId}/services (permission: ConnectionsManage) */
  patch_v1_connections_google_accounts__connectionId__services: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        connectionId: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /**
           * @description `{service: enabled}`, e.g. `{"gmail": true, "google-drive": false}`; services not
           * named keep their state.
           */
          services: Record<string, unknown>;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/google/complete (permission: ConnectionsManage) */
  post_v1_connections_google_complete: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description The `code` Google added to the redirect. */
          code: string;
          /** @description The `state` of `oauth-url` (single use). */
          state: string;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/google/config (permission: ConnectionsRead) */
  get_v1_connections_google_config: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/google/oauth-url (permission: ConnectionsManage) */
  post_v1_connections_google_oauth_url: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /**
           * @description Reconnect this Google connection instead of making a new one: same id (MCP
           * profiles bound to it keep working), new tokens, its enabled services asked for
           * again along with `services` (which may then be empty).
           */
          connection_id?: string | null;
          display_name?: string | null;
          /**
           * @description Where Google sends the browser back (registered with the Google client); default
           * the setting `connections.google.redirect_uri`, else this server's OAuth callback.
           */
          redirect_uri?: string | null;
          /**
           * @description Service names of the catalog (`GET /v1/connections/google/config`), e.g.
           * `["gmail", "google-sheets"]`; their scopes are asked for.
           */
          services: string[];
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/oauth/callback */
  get_v1_connections_oauth_callback: {
    parameters: {
      query: {
        /** @description The `state` of POST /v1/connections/oauth/start (single use). */
        state: string;
        /** @description The provider's authorization code. */
        code?: string;
        /** @description Set by the provider when the user declined. */
        error?: string;
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/oauth/start (permission: ConnectionsManage) */
  post_v1_connections_oauth_start: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description The provider's authorization endpoint (the user's browser is sent there). */
          authorization_url: string;
          client_id: string;
          /** @description The OAuth client's secret, if it has one (public clients rely on PKCE alone). */
          client_secret?: string | null;
          display_name: string;
          provider: string;
          revocation_url?: string | null;
          scopes?: string[];
          service?: string | null;
          /** @description The provider's token endpoint (this server exchanges codes and refreshes there). */
          token_url: string;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["OAuthStarted"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/whatsapp/complete (permission: ConnectionsManage) */
  post_v1_connections_whatsapp_complete: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description The code Meta's embedded signup dialog returned. */
          code?: string;
          display_name?: string | null;
          /**
           * @description The phone number the user chose (the signup's session info); found at Meta when
           * left out (the account's first number).
           */
          phone_number_id?: string | null;
          /** @description The business account the user chose; found at Meta when left out. */
          waba_id?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/whatsapp/config (permission: ConnectionsRead) */
  get_v1_connections_whatsapp_config: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/whatsapp/manual (permission: ConnectionsManage) */
  post_v1_connections_whatsapp_manual: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /**
           * @description A System User token with `whatsapp_business_messaging` and
           * `whatsapp_business_management`; sealed at rest, never returned.
           */
          access_token?: string;
          display_name?: string | null;
          /** @description The sender's phone number id (Meta's WhatsApp API setup page). */
          phone_number_id?: string;
          /** @description The WhatsApp Business Account id; `business_account_id` is accepted in its place. */
          waba_id?: string;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/{id} (permission: ConnectionsRead) */
  get_v1_connections__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Connection"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/{id} (permission: ConnectionsManage) */
  delete_v1_connections__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/{id} (permission: ConnectionsManage) */
  patch_v1_connections__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @enum {string|null} */
          auth_type?: "api_key" | "token" | "basic" | "dsn" | "custom" | null;
          /** @description Replaces all credential values (not merged): send every value the connection needs. */
          credentials?: Record<string, unknown> | null;
          display_name?: string | null;
          provider?: string | null;
          /** @description A new label; `""` clears it. */
          service?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Connection"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/connections/{id}/credentials (permission: ConnectionsRead) */
  get_v1_connections__id__credentials: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["CredentialsMetadata"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/inbound-webhooks (permission: WebhooksRead) */
  get_v1_inbound_webhooks: {
    parameters: {
      query?: {
        /** @description Only the webhooks that start this workflow. */
        workflow_id?: string;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["WebhookList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/inbound-webhooks (permission: WebhooksManage) */
  post_v1_inbound_webhooks: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /**
           * @description The automation token itself (`pat_…`), as hosted clients send it when they do not
           * know its id: it names the same kind of token as `automation_pat_id` and is never
           * stored or shown; only the token's id is kept.
           */
          automation_bearer?: string | null;
          /**
           * @description The caller's token (with `workflow:run`, without `admin`) that ingress must
           * present. Default: the token this request uses; with a session, any of the
           * caller's tokens with `workflow:run` and without `admin` in this workspace.
           */
          automation_pat_id?: string | null;
          enabled?: boolean | null;
          /**
           * @description Start parameters for every delivery: `trigger_payload` (each delivery's body is
           * merged over it, the body wins), `trigger_steps`, `excluded_step_ids`,
           * `use_run_setup_defaults`. An object naming none of these is read as payload
           * defaults (the earlier form).
           */
          extras?: Record<string, unknown> | null;
          name?: string | null;
          /**
           * @description Accept only the timestamped signature form (replays refused). Default false: the
           * plain `sha256=` form is accepted too.
           */
          require_timestamp?: boolean | null;
          /** @description The workflow deliveries start (in the caller's workspace). */
          workflow_id: string;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["CreatedWebhook"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/inbound-webhooks/{id} (permission: WebhooksRead) */
  get_v1_inbound_webhooks__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["WebhookDetail"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/inbound-webhooks/{id} */
  post_v1_inbound_webhooks__id_: {
    parameters: {
      header: {
        /** @description `sha256=<hex HMAC-SHA256 of the raw body, keyed with the signing secret>`, or `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (required when the subscription sets `require_timestamp`; each accepted once, within 5 minutes of the server's clock) */
        "X-Agentruntime-Signature": string;
        /** @description A repeated key answers with the run the first delivery started. */
        "Idempotency-Key"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": Record<string, unknown>;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Delivered"];
        };
      };
      /** @description success */
      202: {
        content: {
          "application/json": components["schemas"]["Delivered"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/inbound-webhooks/{id} (permission: WebhooksManage) */
  delete_v1_inbound_webhooks__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/inbound-webhooks/{id} (permission: WebhooksManage) */
  patch_v1_inbound_webhooks__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          enabled?: boolean | null;
          extras?: Record<string, unknown> | null;
          name?: string | null;
          require_timestamp?: boolean | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Webhook"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/invites (permission: InvitesManage) */
  post_v1_invites: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** Format: email */
          email: string;
          /** @enum {string|null} */
          role?: "member" | "admin" | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["CreatedInvite"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/invites/{token}/accept */
  post_v1_invites__token__accept: {
    parameters: {
      path: {
        token: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["InviteAccepted"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/llm-provider-keys (permission: LlmKeysManage) */
  get_v1_llm_provider_keys: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["LlmKeyList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/llm-provider-keys (permission: LlmKeysManage) */
  post_v1_llm_provider_keys: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description The provider's API key. Never shown again. */
          api_key: string;
          label?: string | null;
          /** @description A provider this server knows (see the catalog), e.g. `openai`. */
          provider: string;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["LlmKey"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/llm-provider-keys/catalog (permission: LlmCatalogRead) */
  get_v1_llm_provider_keys_catalog: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["LlmCatalog"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/llm-provider-keys/{id} (permission: LlmKeysManage) */
  delete_v1_llm_provider_keys__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/llm/resolve (permission: LlmResolve) */
  post_v1_llm_resolve: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description A bare wire model name, sent to the default provider. */
          model?: string | null;
          /** @description `<source>.<provider>.<model>`, e.g. `direct.openai.gpt-4o-mini`. */
          model_ref?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Resolved"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances (permission: McpRead) */
  get_v1_mcp_instances: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["McpInstanceList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances (permission: McpManage) */
  post_v1_mcp_instances: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          name?: string | null;
          /** @description A custom server of the project or a catalog server of the workspace. */
          server_id?: string | null;
          /**
           * @description Or the server's canonical URL: the project's custom server, or the operator
           * catalog's server (`stdio:<name>` for a local command).
           */
          server_url?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["McpInstance"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/resolve (permission: McpManage) */
  post_v1_mcp_instances_resolve: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          instance_id?: string | null;
          server_url?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/{id} (permission: McpRead) */
  get_v1_mcp_instances__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["McpInstanceDetail"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/{id} (permission: McpManage) */
  delete_v1_mcp_instances__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/{id} (permission: McpManage) */
  patch_v1_mcp_instances__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["McpInstance"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/{id}/config-profiles (permission: McpRead) */
  get_v1_mcp_instances__id__config_profiles: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ConfigProfileList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/{id}/config-profiles (permission: McpManage) */
  post_v1_mcp_instances__id__config_profiles: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          connection_env?: string | null;
          /** @description A connection whose bearer token is sent (HTTP `Authorization`, stdio `connection_env`). */
          connection_id?: string | null;
          /**
           * @description Environment of a stdio server: `{NAME: value}`; a value is text,
           * `{"secret": "<vault secret>", "prefix"?}` or `{"connection": "<id>", "key": "<key>", "prefix"?}`.
           */
          env?: Record<string, unknown> | null;
          /** @description Headers for an HTTP server, same value forms. */
          headers?: Record<string, unknown> | null;
          name: string;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["ConfigProfile"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/{id}/config-profiles/{profile_id} (permission: McpManage) */
  delete_v1_mcp_instances__id__config_profiles__profile_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        profile_id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/{id}/config-profiles/{profile_id} (permission: McpManage) */
  patch_v1_mcp_instances__id__config_profiles__profile_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        profile_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          connection_env?: string | null;
          connection_id?: string | null;
          /** @description Replaces the whole map. */
          env?: Record<string, unknown> | null;
          /** @description Replaces the whole map. */
          headers?: Record<string, unknown> | null;
          name?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ConfigProfile"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/{id}/config-profiles/{profile_id}/set-active (permission: McpManage) */
  post_v1_mcp_instances__id__config_profiles__profile_id__set_active: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        profile_id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ConfigProfile"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/instances/{id}/validate (permission: McpExecute) */
  post_v1_mcp_instances__id__validate: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          args?: Record<string, unknown> | null;
          /** @description A side-effect-free tool to call once (the smoke test), with `args`. */
          tool?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/platform-catalog (permission: McpRead) */
  get_v1_mcp_platform_catalog: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers (permission: McpRead) */
  get_v1_mcp_servers: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["McpServerList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers (permission: McpManage) */
  post_v1_mcp_servers: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @enum {string|null} */
          auth_mode?: "none" | "token" | "oauth";
          /**
           * @description The server's Streamable HTTP endpoint (http or https); steps name it by this URL.
           * The hosted field; `url` is accepted in its place.
           */
          canonical_url?: string | null;
          /** @description What the server is for (at most 2000 characters). */
          description?: string | null;
          /** @enum {string|null} */
          mode?: "third_party";
          name?: string | null;
          /** @description Same as `canonical_url` (this project's earlier field). */
          url?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["McpServer"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers/discover (permission: McpManage) */
  post_v1_mcp_servers_discover: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description The server's Streamable HTTP endpoint. */
          url: string;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Discovered"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers/{id} (permission: McpRead) */
  get_v1_mcp_servers__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["McpServer"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers/{id} (permission: McpManage) */
  delete_v1_mcp_servers__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers/{id}/connections/{connection_id}/validate (permission: McpExecute) */
  post_v1_mcp_servers__id__connections__connection_id__validate: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        connection_id: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          args?: Record<string, unknown> | null;
          /** @description A side-effect-free tool to call once (the smoke test), with `args`. */
          tool?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers/{id}/discover (permission: McpManage) */
  post_v1_mcp_servers__id__discover: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Rediscovered"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers/{id}/validate (permission: McpExecute) */
  post_v1_mcp_servers__id__validate: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          args?: Record<string, unknown> | null;
          /** @description Validate with this instance's active profile (for servers that need credentials). */
          instance_id?: string | null;
          /** @description A side-effect-free tool to call once (the smoke test), with `args`. */
          tool?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers/{id}/versions (permission: McpRead) */
  get_v1_mcp_servers__id__versions: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ServerVersionList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/servers/{id}/versions (permission: McpManage) */
  post_v1_mcp_servers__id__versions: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description Whether the version becomes the server's current tool list (default true). */
          activate?: boolean | null;
          /** @description The configuration an instance of this version takes, as a JSON Schema object. */
          config_schema?: Record<string, unknown> | null;
          /** @description The version's tools; without it the server's tools are discovered again. */
          tools?: components["schemas"]["PublishedTool"][] | null;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/mcp/tools (permission: McpRead) */
  get_v1_mcp_tools: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/members (permission: MembersList) */
  get_v1_members: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["MemberList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/members/{user_id} (permission: MembersManage) */
  delete_v1_members__user_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        user_id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/members/{user_id} (permission: MembersManage) */
  patch_v1_members__user_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        user_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          active?: boolean | null;
          /** @enum {string|null} */
          role?: "member" | "admin" | "owner" | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Member"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/pats (permission: PatsManage) */
  get_v1_pats: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["PatList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/pats (permission: PatsManage) */
  post_v1_pats: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          display_name: string;
          /**
           * Format: date-time
           * @description RFC 3339 expiry time (in the future).
           */
          expires_at?: string | null;
          /**
           * Format: int32
           * @description Alternatively, days from now. Without either, the server's default lifetime
           * (`pat_default_ttl_days`, 90 days unless the operator changed it); never more than
           * `pat_max_ttl_days` (365 by default).
           */
          expires_in_days?: number | null;
          /**
           * @description A token without expiry, where the operator allows it (`pat_allow_never`);
           * exclusive with `expires_at` / `expires_in_days`.
           */
          never_expires?: boolean;
          scopes: ("workflow:read" | "workflow:write" | "workflow:run" | "mcp:execute" | "mcp:write" | "admin")[];
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["CreatedPat"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/pats/{id} (permission: PatsManage) */
  delete_v1_pats__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/projects (permission: ProjectsList) */
  get_v1_projects: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ProjectList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/projects (permission: ProjectCreate) */
  post_v1_projects: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
          /** @enum {string|null} */
          visibility?: "public" | "private" | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["Project"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/projects/{id} (permission: ProjectUpdate) */
  patch_v1_projects__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          name?: string | null;
          /** @enum {string|null} */
          visibility?: "public" | "private" | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Project"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/projects/{id}/members (permission: ProjectMembersRead) */
  get_v1_projects__id__members: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ProjectMemberList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/projects/{id}/members (permission: ProjectMembersManage) */
  post_v1_projects__id__members: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** Format: email */
          email?: string | null;
          /** @enum {string} */
          role: "project_viewer" | "project_contributor" | "project_admin";
          user_id?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["ProjectMember"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/projects/{id}/members/{user_id} (permission: ProjectMembersManage) */
  delete_v1_projects__id__members__user_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        user_id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/projects/{id}/members/{user_id} (permission: ProjectMembersManage) */
  patch_v1_projects__id__members__user_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        user_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @enum {string} */
          role: "project_viewer" | "project_contributor" | "project_admin";
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ProjectRoleSet"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/projects/{id}/vault-grants (permission: McpRead) */
  get_v1_projects__id__vault_grants: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["SecretGrantList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/runs (permission: RunsListTenant) */
  get_v1_runs: {
    parameters: {
      query?: {
        /** @description queued, running, paused, draining, completed, failed or stopped */
        status?: string;
        /** @description a workflow id */
        workflow?: string;
        /** @description RFC 3339 time or unix milliseconds: runs created at or after it */
        since?: string;
        /** @description `next_cursor` of the previous page */
        cursor?: string;
        /** @description page size, 1 to 200 */
        limit?: number;
      };
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["RunPage"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/starters (permission: WorkflowRead) */
  get_v1_starters: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["StarterList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/starters/{id} (permission: WorkflowRead) */
  get_v1_starters__id_: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["StarterDetail"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/tasks/pending (permission: TasksListTenant) */
  get_v1_tasks_pending: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
      };
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["TaskList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/vault/secrets (permission: VaultRead) */
  get_v1_vault_secrets: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["SecretList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/vault/secrets/{name} (permission: VaultWrite) */
  put_v1_vault_secrets__name_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        name: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          description?: string | null;
          /** @description The secret value (non-empty, at most 64 KiB). Never shown again. */
          value: string;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Secret"];
        };
      };
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["Secret"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/vault/secrets/{name} (permission: VaultWrite) */
  delete_v1_vault_secrets__name_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        name: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/vault/secrets/{name}/grants (permission: VaultRead) */
  get_v1_vault_secrets__name__grants: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        name: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["SecretGrantList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/vault/secrets/{name}/grants/{project_id} (permission: VaultWrite) */
  put_v1_vault_secrets__name__grants__project_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        name: string;
        project_id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["SecretGrant"];
        };
      };
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["SecretGrant"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/vault/secrets/{name}/grants/{project_id} (permission: VaultWrite) */
  delete_v1_vault_secrets__name__grants__project_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        name: string;
        project_id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows (permission: WorkflowRead) */
  get_v1_workflows: {
    parameters: {
      query?: {
        include_archived?: boolean;
      };
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["WorkflowList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows (permission: WorkflowWrite) */
  post_v1_workflows: {
    parameters: {
      header: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id": string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          description?: string | null;
          graph: {
            steps: unknown[];
          };
          /**
           * @description Import: points `mcp_call` steps at this project's MCP instances. Keys are instance
           * ids of the graph's origin or server URLs; values are instance ids of this project.
           * Steps not named here are mapped by their `server_url` (see `instance_mappings` in
           * the answer).
           */
          instance_map?: {
            [key: string]: string;
          };
          name: string;
          run_setup?: ({
            trigger_payload?: Record<string, unknown> | null;
            trigger_step_ids?: string[] | null;
            trigger_steps?: Record<string, unknown> | null;
          }) | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["CreatedWorkflow"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id} (permission: WorkflowRead) */
  get_v1_workflows__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Workflow"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id} (permission: WorkflowWrite) */
  delete_v1_workflows__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["ArchivedWorkflow"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id} (permission: WorkflowWrite) */
  patch_v1_workflows__id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          description?: string | null;
          graph?: {
            steps: unknown[];
          } | null;
          name?: string | null;
          run_setup?: ({
            trigger_payload?: Record<string, unknown> | null;
            trigger_step_ids?: string[] | null;
            trigger_steps?: Record<string, unknown> | null;
          }) | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Workflow"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/command (permission: RunStart) */
  post_v1_workflows__id__command: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          command: components["schemas"]["CommandName"];
          /**
           * @description For `start`: the trigger payload itself, or `{trigger_payload, trigger_steps,
           * excluded_step_ids, use_run_setup_defaults, run_id, version, resume_from_run_id,
           * reuse_completed_steps}`. For the others: `{run_id, mode?, drain_timeout_s?}`.
           */
          params?: Record<string, unknown>;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["CommandAnswer"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/runs (permission: RunRead) */
  get_v1_workflows__id__runs: {
    parameters: {
      query?: {
        /** @description queued, running, paused, draining, completed, failed or stopped */
        status?: string;
        /** @description RFC 3339 time or unix milliseconds: runs created at or after it */
        since?: string;
        /** @description `next_cursor` of the previous page */
        cursor?: string;
        /** @description page size, 1 to 200 */
        limit?: number;
      };
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["RunPage"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/runs/{run_id} (permission: RunRead) */
  get_v1_workflows__id__runs__run_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        run_id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Run"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/runs/{run_id}/context (permission: RunRead) */
  get_v1_workflows__id__runs__run_id__context: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        run_id: string;
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/runs/{run_id}/events (permission: RunRead) */
  get_v1_workflows__id__runs__run_id__events: {
    parameters: {
      query?: {
        /** @description events with a larger sequence number */
        after_seq?: number;
        /** @description page size, 1 to 1000 */
        limit?: number;
      };
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        run_id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["EventPage"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/runs/{run_id}/retry (permission: RunControl) */
  post_v1_workflows__id__runs__run_id__retry: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        run_id: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          /** @description Run this step (and everything downstream) again, besides the failed ones. */
          from_step_id?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Retried"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/runs/{run_id}/summary (permission: RunRead) */
  get_v1_workflows__id__runs__run_id__summary: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        run_id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["RunSummary"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/runs/{run_id}/tasks/pending (permission: TaskRead) */
  get_v1_workflows__id__runs__run_id__tasks_pending: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
      };
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        run_id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["TaskList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete (permission: TaskComplete) */
  post_v1_workflows__id__runs__run_id__tasks__task_id__complete: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        run_id: string;
        task_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          approved: boolean;
          /** @description Merged into the step result after `approved`; must be an object. */
          result?: Record<string, unknown> | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["CompletedTask"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/stream (permission: RunRead) */
  get_v1_workflows__id__stream: {
    parameters: {
      query?: {
        /** @description Follow one run; without it, every run of the workflow. */
        run_id?: string;
        /** @description With `run_id`: send events after this sequence number (resume). */
        after_seq?: number;
        /** @description Workspace slug, for browsers that cannot send `X-Tenant-Id`. */
        tenant?: string;
      };
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description switched to a WebSocket */
      101: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/triggers (permission: TriggersRead) */
  get_v1_workflows__id__triggers: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["TriggerList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/triggers (permission: TriggersManage) */
  post_v1_workflows__id__triggers: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /**
           * @description Five-field cron expression (minute hour day-of-month month day-of-week) or an alias
           * such as `@daily`.
           * @example 0 9 * * 1-5
           */
          cron: string;
          enabled?: boolean | null;
          excluded_step_ids?: string[] | null;
          /**
           * @description IANA time zone the expression is read in (default `UTC`).
           * @example Europe/Berlin
           */
          timezone?: string | null;
          trigger_payload?: Record<string, unknown> | null;
          trigger_steps?: Record<string, unknown> | null;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["Trigger"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/triggers/{trigger_id} (permission: TriggersRead) */
  get_v1_workflows__id__triggers__trigger_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        trigger_id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Trigger"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/triggers/{trigger_id} (permission: TriggersManage) */
  delete_v1_workflows__id__triggers__trigger_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        trigger_id: string;
      };
    };
    responses: {
      /** @description done */
      204: {
        content: never;
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/triggers/{trigger_id} (permission: TriggersManage) */
  patch_v1_workflows__id__triggers__trigger_id_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        trigger_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          cron?: string | null;
          enabled?: boolean | null;
          excluded_step_ids?: string[] | null;
          timezone?: string | null;
          trigger_payload?: Record<string, unknown> | null;
          trigger_steps?: Record<string, unknown> | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Trigger"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/validate (permission: WorkflowValidate) */
  post_v1_workflows__id__validate: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          checks?: (("graph" | "graph_schema" | "dependencies" | "step_config" | "templates" | "lua_syntax" | "mcp_bindings" | "disabled_steps" | "input_schema" | "lua_fixture")[]) | null;
          graph?: unknown;
          mock_step_outputs?: Record<string, unknown>;
          params?: {
            trigger_payload?: unknown;
          } | null;
          skip_checks?: ("graph" | "graph_schema" | "dependencies" | "step_config" | "templates" | "lua_syntax" | "mcp_bindings" | "disabled_steps" | "input_schema" | "lua_fixture")[];
          step_ids?: string[] | null;
        };
      };
    };
    responses: {
      /** @description success */
      "2XX": {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/versions (permission: WorkflowRead) */
  get_v1_workflows__id__versions: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["VersionList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/versions (permission: WorkflowPublish) */
  post_v1_workflows__id__versions: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          changelog?: string | null;
          /** @description Publish even when validation finds errors. */
          force?: boolean;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["Version"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workflows/{id}/versions/{version} (permission: WorkflowRead) */
  get_v1_workflows__id__versions__version_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
        /** @description Project id; required by list and create routes. */
        "X-Project-Id"?: string;
      };
      path: {
        id: string;
        version: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Version"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workspaces (permission: WorkspacesList) */
  get_v1_workspaces: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["WorkspaceList"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workspaces (permission: WorkspaceCreate) */
  post_v1_workspaces: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
          slug: string;
        };
      };
    };
    responses: {
      /** @description success */
      201: {
        content: {
          "application/json": components["schemas"]["CreatedWorkspace"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workspaces/{slug} (permission: WorkspaceRead) */
  get_v1_workspaces__slug_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        slug: string;
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Workspace"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
  /** /v1/workspaces/{slug} (permission: WorkspaceUpdate) */
  patch_v1_workspaces__slug_: {
    parameters: {
      header?: {
        /** @description Workspace slug (a PAT implies its own workspace). */
        "X-Tenant-Id"?: string;
      };
      path: {
        slug: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description Give workspace admins full (not read-only) access to private projects. */
          admins_full_access_to_private?: boolean | null;
          name?: string | null;
        };
      };
    };
    responses: {
      /** @description success */
      200: {
        content: {
          "application/json": components["schemas"]["Workspace"];
        };
      };
      /** @description refused: `{"error": "…"}` */
      "4XX": {
        content: {
          "application/json": {
            error: string;
          };
        };
      };
    };
  };
}
