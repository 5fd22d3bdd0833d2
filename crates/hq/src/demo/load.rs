//! Loading the story as the tablets would send it: each officer's tablet is enrolled and signed
//! in, and pushes its ops through [`crate::sync::push`], the function behind the sync endpoint,
//! every few days of the story (sooner when another officer's tablet needs a record it has not
//! sent yet). So the op log, the hash chains, the change feed and the framework's facts
//! are those HQ would have from real use.

use super::story::Step;
use crate::admin::{self, AdminError};
use crate::device_sessions::{self, Authed};
use crate::sync::{self, RawPushRequest};
use crate::{enrolment, HqState};
use beatbook_domain::people::Officer;
use beatbook_domain::protocol::{EnrolRequest, LoginRequest, OpOutcome};
use beatbook_domain::{DeviceId, Hlc, OfficerId, Op, RecordId};
use std::collections::HashMap;

/// How often every tablet syncs, at least: more often would be truer to life, and slower to load.
const SYNC_EVERY_SECONDS: i64 = 3 * 86_400;

/// What every demo tablet's name starts with.
pub const TABLET_NAME: &str = "Demo tablet of ";

struct Tablet {
    id: DeviceId,
    officer: OfficerId,
    access_token: String,
    seq: u64,
    last_hlc: Option<Hlc>,
    /// Ops made and not yet pushed.
    outbox: Vec<Op>,
}

fn failed(what: &str, e: impl std::fmt::Display) -> AdminError {
    AdminError::Invalid(format!("loading the demo story: {what}: {e}"))
}

/// Enrol a tablet for `officer` and sign them in on it.
async fn tablet(state: &HqState, officer: &Officer, password: &str) -> Result<Tablet, AdminError> {
    let code = admin::enrolment_code(state.storage.as_ref(), 1).await?;
    let id = DeviceId::new();
    let enrolled = enrolment::enrol(
        state,
        EnrolRequest {
            code,
            device_id: id,
            device_name: format!("{TABLET_NAME}{}", officer.name),
            app_version: env!("CARGO_PKG_VERSION").into(),
        },
    )
    .await
    .map_err(|e| failed("enrolling a tablet", e))?;
    let session = device_sessions::sign_in(
        state,
        LoginRequest {
            device_id: id,
            device_secret: enrolled.device_secret,
            collar_number: officer.collar_number.clone(),
            password: password.to_owned(),
        },
    )
    .await
    .map_err(|e| failed(&format!("signing in as {}", officer.collar_number), e))?;
    Ok(Tablet {
        id,
        officer: officer.id.clone(),
        access_token: session.access_token,
        seq: 0,
        last_hlc: None,
        outbox: Vec::new(),
    })
}

/// Push a tablet's outbox; every op must be applied.
async fn sync_tablet(state: &HqState, t: &mut Tablet) -> Result<usize, AdminError> {
    if t.outbox.is_empty() {
        return Ok(0);
    }
    let ops = std::mem::take(&mut t.outbox);
    let authed: Authed = device_sessions::authenticate(state, &t.access_token)
        .await
        .map_err(|e| failed("a tablet's session", e))?;
    let req: RawPushRequest = serde_json::from_value(serde_json::json!({ "ops": ops }))
        .map_err(|e| failed("writing a push", e))?;
    let answer = sync::push(state, authed, req)
        .await
        .map_err(|e| failed("a push", e))?;
    for r in &answer.results {
        if let OpOutcome::Rejected { code, reason } = &r.outcome {
            return Err(failed(
                &format!("an op of {} was refused ({code})", t.officer),
                reason,
            ));
        }
    }
    Ok(ops.len())
}

/// Load `steps` (oldest first) as the officers' tablets send them; how many ops were pushed.
pub async fn load(
    state: &HqState,
    password: &str,
    officers: &[Officer],
    steps: Vec<Step>,
) -> Result<(usize, usize), AdminError> {
    let mut tablets = Vec::new();
    let mut of: HashMap<OfficerId, usize> = HashMap::new();
    for o in officers {
        of.insert(o.id.clone(), tablets.len());
        tablets.push(tablet(state, o, password).await?);
    }
    // Records made in an outbox not yet pushed, and whose outbox.
    let mut unsent: HashMap<RecordId, usize> = HashMap::new();
    let mut pushed = 0;
    let mut day = None;
    for step in steps {
        let this_sync = step.at.timestamp().div_euclid(SYNC_EVERY_SECONDS);
        if day.is_some_and(|d| d != this_sync) {
            // Every tablet syncs.
            for t in &mut tablets {
                pushed += sync_tablet(state, t).await?;
            }
            unsent.clear();
        }
        day = Some(this_sync);
        let Some(&i) = of.get(&step.officer) else {
            return Err(failed("a step", format!("no tablet for {}", step.officer)));
        };
        if let Some(&maker) = unsent.get(&step.record) {
            if maker != i {
                pushed += sync_tablet(state, &mut tablets[maker]).await?;
                unsent.retain(|_, m| *m != maker);
            }
        }
        let t = &mut tablets[i];
        let wall_ms = u64::try_from(step.at.timestamp_millis()).unwrap_or_default();
        let hlc = match t.last_hlc {
            Some(last) if last.wall_ms >= wall_ms => Hlc::new(last.wall_ms, last.counter + 1),
            _ => Hlc::new(wall_ms, 0),
        };
        t.last_hlc = Some(hlc);
        t.seq += 1;
        if step.creates {
            unsent.insert(step.record, i);
        }
        t.outbox.push(Op {
            device_id: t.id,
            device_seq: t.seq,
            record_id: step.record,
            kind: step.kind,
            author: t.officer.clone(),
            hlc,
            action: step.action,
        });
    }
    for t in &mut tablets {
        pushed += sync_tablet(state, t).await?;
    }
    Ok((tablets.len(), pushed))
}
