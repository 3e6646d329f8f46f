//! Billing codes (docs/billing.md "Codes"): `[[billing.codes]]` in the settings, applied
//! by a tenant admin (`POST /v1/billing/codes/apply`) or checked first
//! (`POST /v1/billing/discounts/validate`). A `credits` code grants PAYG credits once per
//! workspace; a `discount` code takes a percentage off the workspace's PAYG top-ups from
//! then on. Both may expire and may be limited to a number of workspaces.

use ar_store::integrations::{LedgerEntry, RedeemOutcome, Redemption};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The longest code accepted in a request (codes in the settings are checked too).
pub const MAX_CODE_LEN: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeKind {
    Credits,
    Discount,
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::Credits => "credits",
            CodeKind::Discount => "discount",
        }
    }
}

/// `[[billing.codes]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSettings {
    /// Matched without regard to case: `welcome25` applies `WELCOME25`.
    pub code: String,
    pub kind: CodeKind,
    /// `credits`: the PAYG microcredits granted.
    #[serde(default)]
    pub microcredits: i64,
    /// `discount`: the percentage off PAYG top-ups (1-100).
    #[serde(default)]
    pub percent_off: Option<u8>,
    /// RFC 3339; unset: never expires.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// How many workspaces may apply it; unset: any number.
    #[serde(default)]
    pub max_redemptions: Option<i64>,
}

impl CodeSettings {
    /// The code as stored and compared.
    pub fn normalized(&self) -> String {
        normalize(&self.code)
    }

    fn expires_at_ms(&self) -> Option<i64> {
        self.expires_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp_millis())
    }

    pub fn expired(&self, now: i64) -> bool {
        self.expires_at_ms().is_some_and(|end| now >= end)
    }
}

pub fn normalize(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// The start-up checks of `[[billing.codes]]`.
pub fn check(codes: &[CodeSettings]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for c in codes {
        let which = format!("[[billing.codes]] {:?}", c.code);
        let n = c.normalized();
        if n.is_empty()
            || n.len() > MAX_CODE_LEN
            || !n
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "{which}: code must be 1-{MAX_CODE_LEN} characters of letters, digits, - and _"
            ));
        }
        if !seen.insert(n) {
            return Err(format!(
                "{which}: the code is listed twice (case does not count)"
            ));
        }
        match c.kind {
            CodeKind::Credits => {
                if !(1..=crate::billing::settings::MAX_MICROCREDITS).contains(&c.microcredits) {
                    return Err(format!("{which}: a credits code needs microcredits > 0"));
                }
                if c.percent_off.is_some() {
                    return Err(format!("{which}: percent_off belongs to discount codes"));
                }
            }
            CodeKind::Discount => {
                if !c.percent_off.is_some_and(|p| (1..=100).contains(&p)) {
                    return Err(format!(
                        "{which}: a discount code needs percent_off from 1 to 100"
                    ));
                }
                if c.microcredits != 0 {
                    return Err(format!("{which}: microcredits belong to credits codes"));
                }
            }
        }
        if let Some(t) = &c.expires_at
            && chrono::DateTime::parse_from_rfc3339(t).is_err()
        {
            return Err(format!("{which}: expires_at is not an RFC 3339 time"));
        }
        if c.max_redemptions.is_some_and(|m| m < 1) {
            return Err(format!("{which}: max_redemptions must be at least 1"));
        }
    }
    Ok(())
}

/// Why a code cannot be applied by this workspace now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Expired,
    Exhausted,
    AlreadyApplied,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Unknown => "unknown",
            Refusal::Expired => "expired",
            Refusal::Exhausted => "exhausted",
            Refusal::AlreadyApplied => "already_applied",
        }
    }

    pub fn error(self) -> ApiError {
        match self {
            Refusal::Unknown => ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "no such code; check its spelling (case does not matter)",
            ),
            Refusal::Expired => ApiError::unprocessable("this code has expired"),
            Refusal::Exhausted => {
                ApiError::conflict("this code has been applied as many times as it allows")
            }
            Refusal::AlreadyApplied => {
                ApiError::conflict("this workspace already applied this code")
            }
        }
        .with(
            "code",
            serde_json::json!(format!("CODE_{}", self.reason().to_uppercase())),
        )
    }
}

/// The codes of this server and what the workspaces did with them.
pub struct Codes<'a> {
    pub state: &'a AppState,
    pub workspace_id: &'a str,
}

impl Codes<'_> {
    fn find(&self, code: &str) -> Option<&CodeSettings> {
        let wanted = normalize(code);
        self.state
            .settings()
            .billing
            .codes
            .iter()
            .find(|c| c.normalized() == wanted)
    }

    /// The code, or why this workspace cannot apply it now.
    pub async fn check(
        &self,
        code: &str,
        now: i64,
    ) -> ApiResult<Result<&CodeSettings, (Refusal, Option<&CodeSettings>)>> {
        let Some(found) = self.find(code) else {
            return Ok(Err((Refusal::Unknown, None)));
        };
        let store = self.state.integrations();
        let applied = store
            .billing_redemptions(self.workspace_id)
            .await?
            .iter()
            .any(|r| r.code == found.normalized());
        let refusal = if applied {
            Some(Refusal::AlreadyApplied)
        } else if found.expired(now) {
            Some(Refusal::Expired)
        } else if let Some(max) = found.max_redemptions
            && store.billing_code_redeemed(&found.normalized()).await? >= max
        {
            Some(Refusal::Exhausted)
        } else {
            None
        };
        Ok(match refusal {
            Some(r) => Err((r, Some(found))),
            None => Ok(found),
        })
    }

    /// Applies `code` once: the credits of a credits code are granted in the same
    /// transaction as the redemption.
    pub async fn apply(
        &self,
        code: &str,
        user_id: &str,
        now: i64,
    ) -> ApiResult<(&CodeSettings, Option<LedgerEntry>)> {
        let found = self.check(code, now).await?.map_err(|(r, _)| r.error())?;
        let redemption = Redemption {
            workspace_id: self.workspace_id.to_owned(),
            code: found.normalized(),
            kind: found.kind.as_str().to_owned(),
            max_redemptions: found.max_redemptions,
            microcredits: match found.kind {
                CodeKind::Credits => found.microcredits,
                CodeKind::Discount => 0,
            },
            redeemed_by: Some(user_id.to_owned()),
            at: now,
        };
        // The check above answers most refusals with their reason; the store decides the
        // races (two admins at once, the last redemption taken meanwhile).
        match self
            .state
            .integrations()
            .billing_redeem_code(&redemption)
            .await?
        {
            RedeemOutcome::Applied(entry) => Ok((found, entry.map(|e| *e))),
            RedeemOutcome::AlreadyApplied => Err(Refusal::AlreadyApplied.error()),
            RedeemOutcome::Exhausted => Err(Refusal::Exhausted.error()),
        }
    }

    /// The best discount (percent off top-ups) among the workspace's applied, unexpired
    /// discount codes: `(code, percent_off)`.
    pub async fn active_discount(&self, now: i64) -> ApiResult<Option<(String, u8)>> {
        let applied = self
            .state
            .integrations()
            .billing_redemptions(self.workspace_id)
            .await?;
        let best = applied
            .iter()
            .filter_map(|r| self.find(&r.code))
            .filter(|c| c.kind == CodeKind::Discount && !c.expired(now))
            .filter_map(|c| c.percent_off.map(|p| (c.normalized(), p)))
            .max_by_key(|(_, p)| *p);
        Ok(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str, kind: CodeKind) -> CodeSettings {
        CodeSettings {
            code: text.into(),
            kind,
            microcredits: if kind == CodeKind::Credits {
                1_000_000
            } else {
                0
            },
            percent_off: (kind == CodeKind::Discount).then_some(20),
            expires_at: None,
            max_redemptions: None,
        }
    }

    #[test]
    fn settings_are_checked_with_the_code_named() {
        check(&[
            code("welcome", CodeKind::Credits),
            code("TEN-OFF", CodeKind::Discount),
        ])
        .expect("valid");
        let err = check(&[
            code("Same", CodeKind::Credits),
            code("SAME", CodeKind::Credits),
        ])
        .unwrap_err();
        assert!(err.contains("listed twice"), "{err}");
        let mut c = code("x y", CodeKind::Credits);
        assert!(
            check(std::slice::from_ref(&c))
                .unwrap_err()
                .contains("letters, digits")
        );
        c = code("D", CodeKind::Discount);
        c.percent_off = Some(101);
        assert!(check(&[c]).unwrap_err().contains("percent_off"));
        let mut c = code("C", CodeKind::Credits);
        c.microcredits = 0;
        assert!(check(&[c]).unwrap_err().contains("microcredits"));
        let mut c = code("E", CodeKind::Credits);
        c.expires_at = Some("next week".into());
        assert!(check(&[c]).unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn expiry() {
        let mut c = code("E", CodeKind::Credits);
        assert!(!c.expired(i64::MAX));
        c.expires_at = Some("2026-01-01T00:00:00Z".into());
        assert!(c.expired(1_767_225_600_000));
        assert!(!c.expired(1_767_225_599_999));
        assert_eq!(normalize("  welcome25 "), "WELCOME25");
    }
}
