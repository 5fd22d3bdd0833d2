//! Outcomes at HQ (issue 18, H2): recorded crime and survey imports, the teams' monthly costs,
//! outcome figures and targets, partnership notes. CONTRACT STUB: H2 replaces the body of every
//! function here and keeps the signatures the committee report (H3) calls.

use crate::error::ApiError;
use crate::HqState;
use beatbook_domain::committee::PartnershipNoteView;
use beatbook_domain::outcomes::{OutcomeFigure, Quarter};
use beatbook_domain::people::Team;

/// A team's outcome figures for `quarter`: every [`beatbook_domain::outcomes::OutcomeMeasure`],
/// with its target, colour, the quarter before and the same quarter a year before.
pub async fn team_outcomes(
    state: &HqState,
    team: &Team,
    quarter: Quarter,
) -> Result<Vec<OutcomeFigure>, ApiError> {
    let _ = (state, team, quarter);
    Ok(Vec::new()) // H2
}

/// The partnership notes for `quarter`, oldest meeting first, with team and area names.
pub async fn notes(
    state: &HqState,
    quarter: Quarter,
) -> Result<Vec<PartnershipNoteView>, ApiError> {
    let _ = (state, quarter);
    Ok(Vec::new()) // H2
}
