//! Adding areas, teams and officers from the dashboard's forms: what an administrator types (a
//! name, a collar number, a boundary as GeoJSON) made into the directory's records, with the ids
//! made by HQ and nothing already there overwritten.

use super::{boundary, put_area, put_officer, put_team, AdminError};
use crate::storage::Storage;
use beatbook_domain::area::{Area, AreaKind, TownCentreClass};
use beatbook_domain::people::{Officer, Team, TeamKind};
use beatbook_domain::{AreaId, OfficerId, TeamId};
use serde::Deserialize;

/// A new area as the dashboard's form sends it.
#[derive(Clone, Debug, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct NewArea {
    pub name: String,
    #[schema(value_type = String)]
    pub kind: AreaKind,
    pub borough: String,
    /// A ward's ONS code (E05...): then also its id, as for the demo wards.
    #[ts(optional)]
    pub ons_code: Option<String>,
    #[ts(optional)]
    #[schema(value_type = Option<String>)]
    pub town_centre_class: Option<TownCentreClass>,
    /// The boundary as GeoJSON text (see [`boundary::parse`]).
    pub geojson: String,
    /// The boundary is a simplification, not the legal one.
    #[serde(default)]
    pub boundary_approximate: bool,
}

/// A new team as the dashboard's form sends it.
#[derive(Clone, Debug, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct NewTeam {
    pub name: String,
    #[schema(value_type = String)]
    pub kind: TeamKind,
    #[schema(value_type = Vec<String>)]
    pub areas: Vec<AreaId>,
}

/// `Camden Town Centre Team` → `camden-town-centre-team`.
fn slug(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Add an area: its boundary from GeoJSON, its id the ward's ONS code or made from its name.
pub async fn add_area(storage: &dyn Storage, new: &NewArea) -> Result<Area, AdminError> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(AdminError::Invalid("An area needs a name.".into()));
    }
    let boundary = boundary::parse(&new.geojson).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let ons_code = new
        .ons_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_uppercase);
    let id = match (&ons_code, new.kind) {
        (Some(code), AreaKind::Ward) => code.clone(),
        (_, AreaKind::Ward) => format!("ward-{}", slug(name)),
        (_, AreaKind::TownCentre) => format!("tc-{}", slug(name)),
    };
    let what = match new.kind {
        AreaKind::Ward => "ward",
        AreaKind::TownCentre => "town centre",
    };
    if slug(name).is_empty() && ons_code.is_none() {
        return Err(AdminError::Invalid(format!(
            "A {what}'s name needs letters or digits."
        )));
    }
    if let Some(a) = storage
        .areas()
        .await?
        .into_iter()
        .find(|a| a.id.as_str() == id)
    {
        return Err(AdminError::Invalid(format!(
            "There is already a {what} {} ({}): choose another name.",
            a.name,
            a.ons_code.unwrap_or(a.borough)
        )));
    }
    let area = Area {
        id: AreaId::new(id),
        name: name.to_owned(),
        kind: new.kind,
        borough: new.borough.trim().to_owned(),
        ons_code,
        town_centre_class: new.town_centre_class,
        boundary,
        boundary_approximate: new.boundary_approximate,
        places: Vec::new(),
    };
    put_area(storage, &area).await?;
    Ok(area)
}

/// Add a team: its id made from its name; its areas must exist, and it needs at least one.
pub async fn add_team(storage: &dyn Storage, new: &NewTeam) -> Result<Team, AdminError> {
    let name = new.name.trim();
    let id = slug(name);
    if id.is_empty() {
        return Err(AdminError::Invalid("A team needs a name.".into()));
    }
    if new.areas.is_empty() {
        return Err(AdminError::Invalid(
            "Choose at least one area for the team to police.".into(),
        ));
    }
    if let Some(t) = storage
        .teams()
        .await?
        .into_iter()
        .find(|t| t.id.as_str() == id)
    {
        return Err(AdminError::Invalid(format!(
            "There is already a team called {}: choose another name.",
            t.name
        )));
    }
    let team = Team {
        id: TeamId::new(id),
        name: name.to_owned(),
        kind: new.kind,
        areas: new.areas.clone(),
    };
    put_team(storage, &team).await?;
    Ok(team)
}

/// Add an officer, with the password they sign in with; refused when the collar number is taken.
pub async fn add_officer(
    storage: &dyn Storage,
    officer: &Officer,
    password: Option<&str>,
) -> Result<Officer, AdminError> {
    let collar = officer.collar_number.trim().to_uppercase();
    let officer = Officer {
        id: OfficerId::new(collar.clone()),
        collar_number: collar.clone(),
        name: officer.name.trim().to_owned(),
        ..officer.clone()
    };
    if storage.officer(&officer.id).await?.is_some()
        || storage.officer_by_collar(&collar).await?.is_some()
    {
        return Err(AdminError::Invalid(format!(
            "There is already an officer with collar number {collar}."
        )));
    }
    let Some(password) = password else {
        return Err(AdminError::Invalid(
            "A new officer needs a password (at least 10 characters) to sign in.".into(),
        ));
    };
    put_officer(storage, &officer, Some(password)).await?;
    Ok(officer)
}
