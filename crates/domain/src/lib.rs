//! Beatbook's domain: records, areas, officers and teams, 3x5x2 grading, the hybrid logical clock,
//! ops and their merge rules. Pure: no I/O, no async, no database or web types.
//!
//! Every record kind converts to and from a map of fields (see [`record::Record`]), which is what
//! ops carry and what the merge rules in [`merge`] combine.
#![forbid(unsafe_code)]

pub mod access;
pub mod area;
pub mod committee;
pub mod concern;
pub mod device_reads;
pub mod enrolment_code;
pub mod framework;
pub mod gazetteer;
pub mod hlc;
pub mod ids;
pub mod improvement;
pub mod integrity;
pub mod intel;
pub mod json;
pub mod meeting;
pub mod merge;
pub mod op;
pub mod outcomes;
pub mod patrol;
pub mod people;
pub mod photo;
pub mod pin;
pub mod protocol;
pub mod purpose;
pub mod record;
pub mod rectify;
pub mod reference;
pub mod retention;
pub mod sanitise;

pub mod subject;
pub mod tablet;
pub mod validation;
pub mod views;

pub use hlc::{Hlc, HlcClock};
pub use ids::{AreaId, DeviceId, OfficerId, RecordId, TeamId};
pub use json::Json;
pub use op::{ErasedVersion, FieldWrite, Op, OpAction, Stamp};
pub use record::{Record, RecordKind};
pub use validation::{FieldError, ValidationErrors};
