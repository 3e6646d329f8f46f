//! Billing (docs/contract.md §14, docs/billing.md): `[billing]` settings and the plan
//! catalog (settings.rs), a workspace's subscription and grants (account.rs), the credit
//! check at run start (enforce.rs), the charge of metered steps (charge.rs), paying for
//! credits (payments/: the provider, Stripe, top-ups), codes (codes.rs) and the plan's
//! member limit (members.rs). The
//! ledger itself is `ar_store::integrations::BillingStore`; the routes are
//! `routes/billing.rs`, their answers' shapes view.rs.

pub mod account;
pub mod charge;
pub mod codes;
pub mod enforce;
pub mod members;
pub mod payments;
pub mod prices;
pub mod settings;
pub mod view;

pub use account::Account;

use crate::state::AppState;

/// The [`Account`] of `workspace_id` on this server.
pub fn account<'a>(state: &'a AppState, workspace_id: &'a str) -> Account<'a> {
    Account {
        store: state.integrations(),
        billing: &state.settings().billing,
        product_code: &state.settings().product_code,
        workspace_id,
    }
}
