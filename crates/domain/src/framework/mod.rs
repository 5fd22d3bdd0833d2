//! The performance framework's rules: what it measures ([`Measure`]), red/amber/green against a
//! target ([`Rag`]) and the targets when none is set, what each record contributes to each
//! measure ([`Fact`], [`contribution`]), the hours of a patrol at peak times in London time
//! ([`peak_hours`]), the period a board covers ([`Period`]), and the figures of every team or
//! area over the records ([`tally`]).
//!
//! A record counts for every team (or area) one of its areas belongs to, so an item in the
//! overlap of a town centre and a ward counts for both teams, as it is shared by both.
//! Times are kept in UTC; the peak-hours window follows London time (GMT or BST).

mod fact;
mod london;
mod measure;
mod period;
mod tally;

pub use fact::{contribution, Fact, Item, Measured, Seen};
pub use london::{peak_hours, uk_summer_time};
pub use measure::{default_targets, kind_scope, Change, Measure, Rag, TargetTable};
pub use period::{check_day, Period, Preset};
pub use tally::{tally, tally_by_author, units, Tally, Unit};
