//! The device sync engine: enrol with HQ, sign in, push the outbox in batches, pull the changes
//! this officer may see, and the backoff with jitter between retries.
//!
//! The store is synchronous (SQLite); every store call runs on a blocking thread so the async
//! runtime never waits on the disk, and no lock is held across an `.await`.
#![forbid(unsafe_code)]

mod client;
mod engine;
mod photos;
mod tls;

pub use client::{HqClient, HqTime};
pub use engine::{
    backoff_delay, pull_page_size, push_batch_size, wait_after, Progress, SyncEngine, SyncReport,
    SyncStatus,
};
pub use photos::{PhotoReport, PHOTO_CHUNK};
pub use tls::check_hq_url;

use beatbook_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No network: the request never reached HQ's machine (no route, no name, timed out).
    #[error("no connection to HQ ({0}); changes wait on this device and go when it is back")]
    Offline(String),
    /// The network is up but HQ is not answering: its machine refused the connection, or HQ (or
    /// a proxy in front of it) answered with a server error.
    #[error("HQ cannot be reached ({0}); changes wait on this device and go when HQ is back")]
    HqUnreachable(String),
    #[error("this device is not enrolled with HQ: enrol it with a code from HQ")]
    NotEnrolled,
    #[error("sign in to HQ again: {0}")]
    SignInNeeded(String),
    #[error("HQ has revoked this device; its records have been wiped")]
    Revoked,
    #[error("HQ refused the request: {0}")]
    Refused(String),
    #[error("HQ speaks another protocol version: update the app")]
    VersionNotSupported,
    #[error("HQ answered something unexpected: {0}")]
    Protocol(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// HQ ended the officer's sign-in on this device (after its absolute lifetime, or because its
    /// refresh token was used twice): the tablet forgets its tokens and sync waits for a new
    /// sign-in. Capture carries on. HQ's words say why ("sign in to sync: your session ended
    /// after 14 days").
    #[error("{0}; capture carries on and what you record waits on this tablet")]
    SessionEnded(String),
    /// An HQ address the tablet will not use (plain `http://` off this machine): refused before
    /// any connection.
    #[error("{0}")]
    InsecureAddress(String),
    /// An enrolment code mistyped (see `beatbook_domain::enrolment_code`), caught before HQ is
    /// asked.
    #[error("{0}")]
    BadCode(String),
    /// HQ's certificate refused: not the pinned authority's, or not valid. Not a passing fault.
    #[error("{0}")]
    Certificate(String),
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Offline(_) => "offline",
            SyncError::HqUnreachable(_) => "hq_unreachable",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::SignInNeeded(_) => "sign_in_needed",
            SyncError::Revoked => "revoked",
            SyncError::Refused(_) => "refused",
            SyncError::VersionNotSupported => "version_not_supported",
            SyncError::Protocol(_) => "protocol",
            SyncError::Store(e) => e.code(),
            SyncError::SessionEnded(_) => "session_ended",
            SyncError::InsecureAddress(_) => "insecure_address",
            SyncError::BadCode(_) => "bad_code",
            SyncError::Certificate(_) => "hq_certificate",
        }
    }

    /// Whether trying again later may succeed without a person doing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SyncError::Offline(_) | SyncError::HqUnreachable(_) | SyncError::Protocol(_)
        )
    }
}
