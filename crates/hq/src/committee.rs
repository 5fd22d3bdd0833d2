//! The committee report at HQ (issue 18, H3): built from the framework's facts quarter by
//! quarter, the improvement actions ([`crate::actions::all`]), the outcomes
//! ([`crate::outcomes::team_outcomes`]) and the partnership notes ([`crate::outcomes::notes`]);
//! served as JSON and as a PDF.
