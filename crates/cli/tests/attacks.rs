//! Attack tests of issue 13 ("Close the tenant boundary", docs/security.md): each test
//! performs an attack that worked against `agentruntime serve` built from main, against
//! the real binary (`serve_support` spawns it), and asserts the refusal. One module per
//! item of the issue.

mod serve_support;

// --- Items 1, 2, 9, 11 and "operator LLM keys" of item 8 (tenant boundary, part A).
// `boundary_support` holds the helpers these modules share (tenants, sessions, invites,
// the MCP test servers).
#[path = "attacks/boundary_support.rs"]
mod boundary_support;
#[path = "attacks/operator_llm_keys.rs"]
mod operator_llm_keys;
#[path = "attacks/small_gaps.rs"]
mod small_gaps;
#[path = "attacks/stdio_env.rs"]
mod stdio_env;
#[path = "attacks/vault_binding.rs"]
mod vault_binding;
#[path = "attacks/webhook_signatures.rs"]
mod webhook_signatures;
// --- end of part A.

// --- Items 6 and 10, and the stdio quota of item 8 (one MCP pool per tenant, SSRF
// guard gaps).
#[path = "attacks/mcp_pool.rs"]
mod mcp_pool;
#[path = "attacks/ssrf_forms.rs"]
mod ssrf_forms;
// --- end of items 6, 10.

// --- Issue 14, item 1 (hosted request bodies): the hosted field of server registration.
#[path = "attacks/hosted_server_url.rs"]
mod hosted_server_url;
// --- end of issue 14.
// --- Item 8, defaults for an open network (beyond the operator's LLM keys): sign-up by
// invitation, Secure cookies, idle sessions, PAT lifetimes, the quota on unfinished runs.
#[path = "attacks/defaults.rs"]
mod defaults;
// --- end of item 8.
// --- Items 3 and 7 (rate limits a fake credential cannot lift; DNS rebinding).
#[path = "attacks/dns_rebinding.rs"]
mod dns_rebinding;
#[path = "attacks/rate_limits.rs"]
mod rate_limits;
// --- end of items 3 and 7.
// --- Items 4 and 5 (dry-run budget; revocation of long-lived access). They use
// `boundary_support` from part A.
#[path = "attacks/dry_run_budget.rs"]
mod dry_run_budget;
#[path = "attacks/revocation.rs"]
mod revocation;
// --- end of items 4 and 5.
// --- Issue 13, last gaps: the password-change throttle and `/metrics` behind a trusted
// proxy.
#[path = "attacks/gaps.rs"]
mod gaps;
// --- end of issue 13 gaps.
