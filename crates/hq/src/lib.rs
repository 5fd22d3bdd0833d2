//! The HQ server. Built in the sync issue; it depends only on `beatbook-domain`.
#![forbid(unsafe_code)]

pub use beatbook_domain::op::Op;
