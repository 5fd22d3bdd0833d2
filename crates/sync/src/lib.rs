//! The device sync engine. Push the outbox, pull from HQ, retry with backoff.
//!
//! Placeholder until the sync issue: it only names what it will build on.
#![forbid(unsafe_code)]

pub use beatbook_domain::op::Op;
pub use beatbook_store::Store;
