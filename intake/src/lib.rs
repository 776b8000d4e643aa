//! incasso-intake: the claim intake API between a creditor's incasso and a collection agency.
//!
//! `schema.rs` is the wire format (versioned, documented in `openapi.json`), `validate.rs` the
//! business rules both sides apply, `server.rs` the agency's intake server with its store in
//! `received.rs` (and `local.rs`, one started in-process), `auth.rs` tokens and request signatures,
//! and `client.rs` the exporter's retrying sender. What to send, and the record of what was sent,
//! live in the engine and the store.

pub mod auth;
pub mod client;
pub mod local;
pub mod outgoing;
pub mod received;
pub mod schema;
pub mod server;
pub mod validate;
