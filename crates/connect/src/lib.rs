//! `ar-connect`: agentruntime's connection to the outside world.
//!
//! - [`vault`]: envelope encryption of secrets at rest (master key → per-workspace
//!   data key → sealed values bound to their record).
//! - [`llm`]: thin clients for OpenAI-compatible Chat Completions and Anthropic
//!   Messages, with streaming, tool calls, usage, typed errors and retries.
//! - [`SecretString`]: the redacting type every secret travels in.
//!
//! Nothing here touches the database; where persistence is needed this crate defines
//! the data types ([`vault::WrappedDataKey`], [`vault::SealedValue`]) the store keeps.

pub mod llm;
pub mod secret;
pub mod vault;

pub use secret::SecretString;
