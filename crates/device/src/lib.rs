//! The Beatbook device: what a tablet does, for both the Tauri app and the headless device
//! (`beatbook device`), so the two behave alike.
//!
//! - [`Session`]: the encrypted store, open, with its sync engine. Enrolling sets up the store,
//!   enrols it with HQ and signs the officer in, leaving nothing behind if a step fails;
//!   unlocking opens it with the PIN. Syncs take turns through one gate; a background loop syncs
//!   on a timer, sooner after a save, with backoff while HQ cannot be reached; end of shift
//!   syncs until nothing is waiting. The sync status and outcome are facts, not sentences: the
//!   UI words them.
//! - [`records`]: each kind of new record and edit, to its store function; [`photos`] saved with
//!   their concern; the areas, the shift briefing and the priorities board; the team's
//!   improvement actions and their progress updates ([`Session::add_action_update`]).
//! - [`Tablet`]: the app over its lifetime: lock state, auto-lock after inactivity, the
//!   officer's device settings, and map tiles kept on the tablet ([`tiles`]).
//!
//! Nothing here knows about Tauri. Store work runs on blocking threads and no lock is held
//! across an `.await`; the async functions need a Tokio runtime.
#![forbid(unsafe_code)]

mod actions;
mod areas;
mod briefing;
mod error;
pub mod photos;
pub mod records;
pub mod retry;
mod session;
mod sync;
mod tablet;
pub mod tiles;

pub use error::{CommandError, DeviceError, ErrorCode, SetUpStep};
pub use session::{profile_of, Session};
pub use tablet::{Tablet, TabletSettings};
