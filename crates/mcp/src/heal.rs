//! What a failed call says about the connection it ran on, and whether the request may
//! be sent again on a fresh connection.
//!
//! Why: a pooled connection can break without reporting itself closed (a Streamable
//! HTTP session the restarted server no longer knows, a stdio child that died). The
//! pool replaces a connection whose call failed this way, and sends the request again
//! only when the server cannot have run it — or when the tool says a repeat is harmless.

use std::error::Error as StdError;

use rmcp::service::ServiceError;
use rmcp::transport::streamable_http_client::StreamableHttpError;

use crate::error::McpError;

/// What a failure means for the connection and for the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Damage {
    /// The connection works: the server answered (a tool error, a JSON-RPC error, an
    /// oversized result) or the caller cancelled. Keep it.
    None,
    /// The connection is broken and the request never reached the server (connection
    /// refused, session unknown to the server, a dead child's closed pipe, a connection
    /// already closed): replace it and send the request again.
    NotDelivered,
    /// The connection is broken or hung and the server may have run the request (it
    /// broke mid-call, or the call timed out): replace it; send the request again only
    /// if the tool is marked idempotent or read-only.
    MaybeRun,
}

/// A failed call: the error the caller sees and what it means for the connection.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallFailure {
    pub error: McpError,
    pub damage: Damage,
}

impl CallFailure {
    /// A failure that says nothing bad about the connection.
    pub fn harmless(error: McpError) -> Self {
        Self {
            error,
            damage: Damage::None,
        }
    }

    /// The call got no answer in time: the connection may be hung.
    pub fn timed_out(error: McpError) -> Self {
        Self {
            error,
            damage: Damage::MaybeRun,
        }
    }
}

/// Judges an rmcp failure already mapped to `mapped`. `was_closed`: the connection
/// reported itself closed before the request was handed to it.
pub(crate) fn damage_of(source: &ServiceError, mapped: &McpError, was_closed: bool) -> Damage {
    match mapped {
        McpError::Timeout { .. } => Damage::MaybeRun,
        McpError::Transport { .. } => {
            if was_closed || never_delivered(source) {
                Damage::NotDelivered
            } else {
                Damage::MaybeRun
            }
        }
        _ => Damage::None,
    }
}

/// Whether the failure proves the request did not reach the server.
fn never_delivered(error: &ServiceError) -> bool {
    let ServiceError::TransportSend(dynamic) = error else {
        return false;
    };
    let mut current: Option<&(dyn StdError + 'static)> = Some(dynamic.error.as_ref());
    while let Some(cause) = current {
        if let Some(http) = cause.downcast_ref::<StreamableHttpError<reqwest::Error>>() {
            match http {
                // The server answered 404 for the session: it refused the request
                // without running it (MCP spec, session management).
                StreamableHttpError::SessionExpired
                | StreamableHttpError::ReinitializationFailed(_) => return true,
                // rmcp's recovery gave up while an older POST was still out.
                StreamableHttpError::SessionRecoveryTimeout => return false,
                _ => {}
            }
        }
        if let Some(request) = cause.downcast_ref::<reqwest::Error>()
            && request.is_connect()
        {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            // Refused: nobody listened. Broken pipe: the reader (a stdio child) was
            // gone when the request was written, so nobody read it.
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::NotConnected
            );
        }
        current = cause.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn transport() -> McpError {
        McpError::Transport {
            message: "x".into(),
            transient: true,
        }
    }

    #[test]
    fn only_broken_connections_are_damaged() {
        let closed = ServiceError::TransportClosed;
        assert_eq!(
            damage_of(
                &closed,
                &McpError::ToolFailed {
                    message: "no".into()
                },
                false
            ),
            Damage::None
        );
        assert_eq!(
            damage_of(&closed, &McpError::Cancelled, false),
            Damage::None
        );
        assert_eq!(
            damage_of(
                &closed,
                &McpError::Timeout {
                    after: Duration::from_secs(1)
                },
                false
            ),
            Damage::MaybeRun
        );
    }

    #[test]
    fn a_connection_closed_mid_call_may_have_run_the_request() {
        assert_eq!(
            damage_of(&ServiceError::TransportClosed, &transport(), false),
            Damage::MaybeRun
        );
    }

    fn send_failure(error: Box<dyn StdError + Send + Sync>) -> ServiceError {
        ServiceError::TransportSend(rmcp::transport::DynamicTransportError::from_parts(
            "test",
            std::any::TypeId::of::<()>(),
            error,
        ))
    }

    #[test]
    fn refused_connections_unknown_sessions_and_dead_readers_never_got_the_request() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let dead_child = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "broken pipe");
        let expired: StreamableHttpError<reqwest::Error> = StreamableHttpError::SessionExpired;
        for error in [
            send_failure(Box::new(refused)),
            send_failure(Box::new(dead_child)),
            send_failure(Box::new(expired)),
        ] {
            assert_eq!(
                damage_of(&error, &transport(), false),
                Damage::NotDelivered,
                "{error:?}"
            );
        }
    }

    #[test]
    fn a_reset_or_a_given_up_recovery_may_have_run_the_request() {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        let recovery: StreamableHttpError<reqwest::Error> =
            StreamableHttpError::SessionRecoveryTimeout;
        let early_end: StreamableHttpError<reqwest::Error> =
            StreamableHttpError::UnexpectedEndOfStream;
        for error in [
            send_failure(Box::new(reset)),
            send_failure(Box::new(recovery)),
            send_failure(Box::new(early_end)),
        ] {
            assert_eq!(
                damage_of(&error, &transport(), false),
                Damage::MaybeRun,
                "{error:?}"
            );
        }
    }

    #[test]
    fn a_connection_closed_before_the_call_never_delivered_it() {
        assert_eq!(
            damage_of(&ServiceError::TransportClosed, &transport(), true),
            Damage::NotDelivered
        );
    }
}
