//! What can go wrong on the device, with a stable code for each and the words a person reads.

pub use beatbook_domain::tablet::{CommandError, ErrorCode};
use beatbook_domain::FieldError;
use beatbook_store::StoreError;
use beatbook_sync::SyncError;

/// A failed step of the device's session. The display text of the session's own errors is what
/// the officer reads; a store or sync error displays as it is (the headless device prints it),
/// and [`DeviceError::message`] gives the app's words for it.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("This device is already enrolled. Unlock it with your PIN.")]
    AlreadyEnrolled,
    #[error("This device is not enrolled yet. Enrol it with a code from HQ.")]
    NotEnrolled,
    #[error("Beatbook is locked. Enter your PIN to carry on.")]
    Locked,
    /// Enrolment fields left empty, field by field.
    #[error("Fill in every field to enrol.")]
    EnrolIncomplete(Vec<FieldError>),
    #[error("Auto-lock is 1 to {max} minutes: HQ sets the longest, and a tablet always locks by itself.")]
    AutoLockOutOfRange { max: u32 },
    #[error("The map tile server is set by HQ, not on the tablet.")]
    TileUrlSetByHq,
    #[error("The settings could not be saved ({0}).")]
    SettingsNotSaved(#[source] std::io::Error),
    #[error("No map tile server is set: the map shows the areas only.")]
    NoTileServer,
    #[error("There is no map tile {z}/{x}/{y}.")]
    NoSuchTile { z: u8, x: u32, y: u32 },
    #[error(
        "This part of the map is not saved on the tablet and the tile server cannot be reached."
    )]
    TileUnreachable,
    #[error("The tile server answered with something that is not a map image: check its address in Settings.")]
    NotATile,
    #[error("This photo is on HQ, not on this tablet.")]
    PhotoOnlyOnHq,
    #[error("That position is not on the map: latitude -90 to 90, longitude -180 to 180.")]
    NotOnMap,
    /// A blocking task (the store's thread) ended without an answer.
    #[error("{what} ({cause}). Try again.")]
    Interrupted {
        what: &'static str,
        #[source]
        cause: tokio::task::JoinError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// A step of setting the tablet up with HQ failed: said for that step (nothing waits on a
    /// tablet that is not enrolled yet), with the cause's code.
    #[error("{}", enrol_words(*step, cause))]
    SetUp {
        step: SetUpStep,
        #[source]
        cause: SyncError,
    },
}

/// Which step of setting a tablet up with HQ failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetUpStep {
    /// `POST /enrol`: the one-time code.
    Enrol,
    /// `POST /login`: the officer's collar number and password, once enrolled.
    SignIn,
}

impl DeviceError {
    /// A failed enrolment (`step` Enrol) or first sign-in (`step` SignIn), worded for it.
    pub fn set_up(step: SetUpStep, cause: SyncError) -> DeviceError {
        match cause {
            // A store error reads as the store's.
            SyncError::Store(e) => DeviceError::Store(e),
            cause => DeviceError::SetUp { step, cause },
        }
    }
}

/// What happened and what to do, for a failed enrolment or first sign-in. Never "changes wait
/// on this device": nothing is waiting yet.
fn enrol_words(step: SetUpStep, cause: &SyncError) -> String {
    let not_yet = match step {
        SetUpStep::Enrol => "this tablet is not enrolled with HQ yet",
        SetUpStep::SignIn => "you are not signed in yet",
    };
    let again = match step {
        SetUpStep::Enrol => "try again with the same code",
        SetUpStep::SignIn => "try again",
    };
    match cause {
        SyncError::Offline(_) => format!(
            "No connection to HQ, so {not_yet}. Check the tablet's signal and the HQ address, then {again}."
        ),
        SyncError::HqUnreachable(_) => format!(
            "HQ is not answering, so {not_yet}. Wait a few minutes, then {again}; if it keeps happening, tell HQ."
        ),
        SyncError::Protocol(_) => format!(
            "HQ's answer did not arrive whole, so {not_yet}. {}.",
            capitalise_first(again)
        ),
        SyncError::Refused(why) | SyncError::SignInNeeded(why) => match step {
            SetUpStep::Enrol => format!("HQ refused to enrol this tablet: {}", sentence(why)),
            SetUpStep::SignIn => format!("HQ refused to sign you in: {}", sentence(why)),
        },
        SyncError::NotEnrolled => {
            "This tablet is not enrolled with HQ: enrol it with a code from HQ.".to_owned()
        }
        other => capitalise(&other.to_string()),
    }
}

fn capitalise_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// HQ's words as the end of a sentence: full stop added.
fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.ends_with('.') {
        s.to_owned()
    } else {
        format!("{s}.")
    }
}

impl DeviceError {
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            DeviceError::AlreadyEnrolled => C::AlreadyEnrolled,
            DeviceError::NotEnrolled => C::NotEnrolled,
            DeviceError::Locked => C::Locked,
            DeviceError::EnrolIncomplete(_) => C::Invalid,
            DeviceError::AutoLockOutOfRange { .. }
            | DeviceError::TileUrlSetByHq
            | DeviceError::NoTileServer
            | DeviceError::NoSuchTile { .. }
            | DeviceError::NotOnMap => C::BadInput,
            DeviceError::PhotoOnlyOnHq => C::NotFound,
            DeviceError::SettingsNotSaved(_) | DeviceError::Interrupted { .. } => C::Storage,
            DeviceError::TileUnreachable | DeviceError::NotATile => C::TileUnavailable,
            DeviceError::Store(e) => store_code(e),
            DeviceError::Sync(e) | DeviceError::SetUp { cause: e, .. } => match e {
                SyncError::Offline(_) => C::Offline,
                SyncError::HqUnreachable(_) => C::HqUnreachable,
                SyncError::NotEnrolled => C::NotEnrolled,
                SyncError::SignInNeeded(_) | SyncError::SessionEnded(_) => C::SignInNeeded,
                SyncError::Revoked => C::Revoked,
                SyncError::Refused(_) => C::Refused,
                SyncError::VersionNotSupported => C::VersionNotSupported,
                SyncError::Protocol(_) => C::Protocol,
                SyncError::Store(e) => store_code(e),
                SyncError::InsecureAddress(_) | SyncError::BadCode(_) => C::BadInput,
                SyncError::Certificate(_) => C::HqCertificate,
            },
        }
    }

    /// What happened and what to do next, for the officer: never a secret, a stack trace or what
    /// SQLite said (the cause of an internal failure goes to the app's log, stderr, instead).
    pub fn message(&self) -> String {
        match self {
            DeviceError::Store(e) | DeviceError::Sync(SyncError::Store(e)) => store_message(e),
            DeviceError::Sync(e) => capitalise(&e.to_string()),
            other => other.to_string(),
        }
    }

    /// The problems field by field, for an invalid form.
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            DeviceError::EnrolIncomplete(fields) => fields.clone(),
            DeviceError::Store(StoreError::Invalid(errs))
            | DeviceError::Sync(SyncError::Store(StoreError::Invalid(errs))) => errs.errors.clone(),
            _ => Vec::new(),
        }
    }

    /// PIN tries left after a wrong PIN (0 once the store is wiped).
    pub fn attempts_left(&self) -> Option<u32> {
        match self {
            DeviceError::Store(e) | DeviceError::Sync(SyncError::Store(e)) => match e {
                StoreError::WrongPin { attempts_left } => Some(*attempts_left),
                StoreError::WipedAfterFailedPins { .. } => Some(0),
                _ => None,
            },
            _ => None,
        }
    }
}

/// What the app's command answers the UI when this step fails.
impl From<DeviceError> for CommandError {
    fn from(e: DeviceError) -> Self {
        CommandError {
            code: e.code(),
            message: e.message(),
            fields: e.fields(),
            attempts_left: e.attempts_left(),
        }
    }
}

fn store_code(e: &StoreError) -> ErrorCode {
    use ErrorCode as C;
    match e {
        StoreError::NotInitialised(_) => C::NotEnrolled,
        StoreError::AlreadyInitialised(_) => C::AlreadyEnrolled,
        StoreError::PinTooShort { .. } => C::PinTooShort,
        StoreError::PinTooEasy { .. } => C::PinTooEasy,
        StoreError::WrongPin { attempts_left: 1 } => C::LastAttempt,
        StoreError::WrongPin { .. } => C::WrongPin,
        StoreError::WipedAfterFailedPins { .. } => C::Wiped,
        StoreError::Invalid(_) => C::Invalid,
        StoreError::NotFound(_) | StoreError::Deleted(_) => C::NotFound,
        StoreError::NotEditable(_) => C::NotEditable,
        StoreError::KindMismatch { .. } | StoreError::NoSuchText { .. } => C::BadInput,
        StoreError::OtherOfficer { .. } => C::OtherOfficer,
        _ => C::Storage,
    }
}

fn store_message(e: &StoreError) -> String {
    match e {
        StoreError::WrongPin { attempts_left: 1 } => {
            "Wrong PIN. One try left: another wrong PIN wipes every record on this device."
                .to_owned()
        }
        StoreError::WrongPin { attempts_left } => {
            format!("Wrong PIN. {attempts_left} tries left before this device's records are wiped.")
        }
        StoreError::Invalid(_) => "Some fields need attention before this can be saved.".to_owned(),
        // Database and file errors: say what to do, not what SQLite said.
        StoreError::Sqlite(_)
        | StoreError::Io(_)
        | StoreError::Json(_)
        | StoreError::Corrupt(_)
        | StoreError::Crypto(_) => {
            eprintln!("beatbook: store error: {e}");
            "The records on this device could not be read or saved. Try again; if it keeps happening, tell your supervisor.".to_owned()
        }
        other => capitalise(&other.to_string()),
    }
}

/// A sentence from an error's lower-case text: capital first letter, full stop at the end.
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => {
            let mut out: String = c.to_uppercase().collect();
            out.push_str(chars.as_str());
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_pin_says_how_many_tries_are_left_and_warns_before_the_last() {
        let e = DeviceError::from(StoreError::WrongPin { attempts_left: 3 });
        assert_eq!(
            (e.code(), e.attempts_left()),
            (ErrorCode::WrongPin, Some(3))
        );
        let e = DeviceError::from(StoreError::WrongPin { attempts_left: 1 });
        assert_eq!(e.code(), ErrorCode::LastAttempt);
        assert_eq!(e.code().name(), "last_attempt");
        assert_eq!(e.attempts_left(), Some(1));
        assert!(e.message().contains("wipes"), "{}", e.message());
        assert!(e.fields().is_empty());
    }

    #[test]
    fn database_errors_never_reach_the_screen() {
        let e = DeviceError::from(StoreError::Corrupt("SQL logic error near SELECT".into()));
        assert_eq!(e.code(), ErrorCode::Storage);
        assert!(!e.message().contains("SQL"), "{}", e.message());
    }

    #[test]
    fn offline_is_its_own_code() {
        let e = DeviceError::from(SyncError::Offline("timed out".into()));
        assert_eq!(e.code(), ErrorCode::Offline);
        assert!(
            e.message().starts_with("No connection to HQ"),
            "{}",
            e.message()
        );
        let e = DeviceError::from(SyncError::HqUnreachable("HTTP 502".into()));
        assert_eq!(e.code(), ErrorCode::HqUnreachable);
        assert!(
            e.message().starts_with("HQ cannot be reached"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn a_failed_enrolment_or_sign_in_says_what_to_do_and_that_nothing_waits() {
        let offline = DeviceError::set_up(SetUpStep::Enrol, SyncError::Offline("timed out".into()));
        assert_eq!(offline.code(), ErrorCode::Offline);
        let m = offline.message();
        assert!(m.contains("not enrolled with HQ yet"), "{m}");
        assert!(m.contains("same code"), "{m}");
        let down = DeviceError::set_up(
            SetUpStep::SignIn,
            SyncError::HqUnreachable("HTTP 503".into()),
        );
        assert_eq!(down.code(), ErrorCode::HqUnreachable);
        assert!(
            down.message().contains("not signed in yet"),
            "{}",
            down.message()
        );
        let refused = DeviceError::set_up(
            SetUpStep::Enrol,
            SyncError::Refused(
                "the enrolment code is unknown, already used or expired: ask HQ for a new one"
                    .into(),
            ),
        );
        assert_eq!(refused.code(), ErrorCode::Refused);
        assert_eq!(
            refused.message(),
            "HQ refused to enrol this tablet: the enrolment code is unknown, already used or expired: ask HQ for a new one."
        );
        let wrong = DeviceError::set_up(
            SetUpStep::SignIn,
            SyncError::SignInNeeded("the collar number or password is wrong".into()),
        );
        assert_eq!(wrong.code(), ErrorCode::SignInNeeded);
        assert!(
            wrong.message().starts_with("HQ refused to sign you in"),
            "{}",
            wrong.message()
        );
        for e in [offline, down, refused, wrong] {
            let m = e.message().to_lowercase();
            assert!(
                !m.contains("wait on this device") && !m.contains("wipe"),
                "{m}"
            );
        }
    }

    #[test]
    fn a_store_error_inside_a_sync_error_reads_as_the_store_error() {
        let e = DeviceError::from(SyncError::Store(StoreError::WrongPin { attempts_left: 2 }));
        assert_eq!(e.code(), ErrorCode::WrongPin);
        assert_eq!(e.attempts_left(), Some(2));
        assert!(e.message().starts_with("Wrong PIN. 2 tries left"));
    }

    #[test]
    fn the_headless_device_prints_a_store_error_as_the_store_says_it() {
        let e = DeviceError::from(StoreError::WrongPin { attempts_left: 4 });
        assert_eq!(
            e.to_string(),
            StoreError::WrongPin { attempts_left: 4 }.to_string()
        );
    }
}
