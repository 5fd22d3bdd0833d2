//! The sync endpoints' work: a device's push (ops in, applied in order, one transaction per
//! batch) and its pull (the changes it may see after its cursor, each disclosure logged).

use crate::dashboard::audit::AccessEntry;
use crate::device_sessions::Authed;
use crate::error::ApiError;
use crate::push::{plan_prepared, prepare, Plan, PushContext, PushRules};
use crate::HqState;
use beatbook_domain::access::{device_may_see, viewer_keys, Viewer};
use beatbook_domain::protocol::PushResponse;
use beatbook_domain::{Op, RecordId, RecordKind};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::sync::Arc;

/// A push as received: each op kept as its own JSON text (see [`push`]). The same wire format as
/// `PushRequest`.
#[derive(Deserialize)]
pub struct RawPushRequest {
    pub ops: Vec<Box<RawValue>>,
}

/// Apply a device's push: refused whole when it holds more than `max_push_ops` or an op that
/// cannot be read; otherwise one result per op (see [`crate::push`]).
pub async fn push(
    state: &HqState,
    authed: Authed,
    req: RawPushRequest,
) -> Result<PushResponse, ApiError> {
    let started = std::time::Instant::now();
    // HQ's own review chain is written by HQ alone.
    crate::enrolment::refuse_reserved(authed.device)?;
    if req.ops.len() > state.settings.max_push_ops {
        return Err(ApiError::BadRequest(format!(
            "at most {} ops in one push",
            state.settings.max_push_ops
        )));
    }
    // Take this push's place among the device's pushes now, before reading it (see
    // `push_order`). Devices send ops in order, so the first op's sequence places it.
    let turn = state
        .push_order
        .turn(authed.device, first_seq(&req), authed.next_seq);
    // HQ works out located records' areas from its own reference areas (see `PushRules`):
    // read while this push waits for its turn, before the ops are prepared.
    let rules_and_prepared = async {
        let areas = state.storage.areas().await?;
        let ctx = PushContext {
            device: authed.device,
            viewer: authed.viewer,
            now: Utc::now(),
            rules: PushRules::new(areas, state.settings.max_clock_ahead_minutes),
        };
        // Reading the ops and the work that needs nothing from the database (see
        // `push::prepare`) happen off the async workers while this push waits for its turn, and
        // while HQ may still be writing the push before it.
        let prepare_ctx = ctx.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            let (ops, texts) = read_ops(req)?;
            let prepared = prepare(&prepare_ctx, &ops, Some(texts));
            Ok::<_, ApiError>((ops, prepared))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("reading the push failed: {e}")))??;
        Ok::<_, ApiError>((ctx, prepared))
    };
    let (mut turn, prepared) = tokio::join!(turn, rules_and_prepared);
    let (ctx, (ops, prepared)) = prepared?;
    let parsed = started.elapsed();
    let ops = Arc::new(ops);
    let planner_ops = ops.clone();
    let result = state
        .storage
        .push(
            authed.device,
            &ops,
            Box::new(move |loaded| plan_prepared(&ctx, &planner_ops, prepared, loaded)),
        )
        .await?;
    turn.finished(result.next_seq);
    drop(turn);
    tracing::debug!(
        ops = ops.len(),
        prepare_ms = parsed.as_secs_f64() * 1e3,
        total_ms = started.elapsed().as_secs_f64() * 1e3,
        "push"
    );
    let Plan {
        response,
        log,
        records,
        ..
    } = result;
    // Freeing thousands of ops and record states takes milliseconds: not on an async worker,
    // where it would hold up the next push of this device (woken by the turn just given up).
    tokio::task::spawn_blocking(move || drop((ops, log, records)));
    Ok(response)
}

/// The `device_seq` of a push's first op (0 when it has none, or it cannot be read).
fn first_seq(req: &RawPushRequest) -> u64 {
    #[derive(Deserialize)]
    struct Seq {
        device_seq: u64,
    }
    req.ops
        .first()
        .and_then(|raw| serde_json::from_str::<Seq>(raw.get()).ok())
        .map_or(0, |s| s.device_seq)
}

/// Each op read from its own text, and that text, which is what the op log keeps and hashes: the
/// op exactly as the device sent it, not a re-encoding.
fn read_ops(req: RawPushRequest) -> Result<(Vec<Op>, Vec<String>), ApiError> {
    let mut ops = Vec::with_capacity(req.ops.len());
    let mut texts = Vec::with_capacity(req.ops.len());
    for (i, raw) in req.ops.into_iter().enumerate() {
        let op = serde_json::from_str::<Op>(raw.get()).map_err(|e| {
            ApiError::BadRequest(format!("the request body is not valid: op {}: {e}", i + 1))
        })?;
        ops.push(op);
        texts.push(String::from(Box::<str>::from(raw)));
    }
    Ok((ops, texts))
}

/// The most changes one pull answers.
pub const MAX_PULL: u32 = 5_000;

/// The pull answer (`PullResponse` on the wire), with each record's state passed through as
/// stored: HQ wrote that text itself, so it is neither read again nor encoded again.
pub struct PullBody {
    /// Each record's state, as JSON text.
    pub records: Vec<String>,
    pub rest: PullRest,
}

/// Everything in the pull answer but the records.
#[derive(Serialize)]
pub struct PullRest {
    pub purge: Vec<RecordId>,
    pub cursor: u64,
    pub more: bool,
    pub access: String,
    pub viewer: Viewer,
}

impl PullBody {
    /// The answer as `PullResponse` JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let rest = serde_json::to_vec(&self.rest)?;
        let size = self.records.iter().map(|r| r.len() + 1).sum::<usize>() + rest.len() + 16;
        let mut body = Vec::with_capacity(size);
        body.extend_from_slice(b"{\"records\":[");
        for (i, r) in self.records.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(r.as_bytes());
        }
        body.extend_from_slice(b"],");
        // `rest` is an object: its fields follow the records, inside the same braces.
        body.extend_from_slice(rest.get(1..).unwrap_or(b"}"));
        Ok(body)
    }
}

/// What a viewer may see, as a short fingerprint (see `PullResponse::access`).
pub fn access_fingerprint(viewer: &Viewer) -> String {
    let text = serde_json::json!([viewer.role, viewer.teams, viewer.areas]).to_string();
    crate::auth::sha256_hex(&text)[..16].to_owned()
}

/// The changes after `after` that the device's officer may see, at most `limit` (1,000 when
/// absent; 1 to [`MAX_PULL`]), and the ids it must let go of. Written to the access log before it
/// is answered.
pub async fn pull(
    state: &HqState,
    authed: Authed,
    after: u64,
    limit: Option<u32>,
) -> Result<PullBody, ApiError> {
    let limit = limit.unwrap_or(1_000).clamp(1, MAX_PULL);
    // Officers read only their keys of the change feed; HQ roles that oversee the force read all.
    let changes = match viewer_keys(&authed.viewer) {
        Some(keys) => state.storage.changes_for(&keys, after, limit).await?,
        None => state.storage.changes_after(after, limit).await?,
    };
    let more = changes.len() == limit as usize;
    let cursor = changes.last().map_or(after, |c| c.server_seq);
    let mut records = Vec::new();
    let mut sent = Vec::new();
    let mut purge = Vec::new();
    for c in changes {
        if device_may_see(&authed.viewer, &c.facts) {
            sent.push(c.record_id);
            records.push(c.state_json);
        } else if c.facts.kind != Some(RecordKind::IntelSource) {
            // A device that held it when it was visible must let it go; one that never held it
            // ignores the id.
            purge.push(c.record_id);
        }
    }
    if !sent.is_empty() {
        // Disclosure to a device is a read of personal data: logged before anything is sent.
        state
            .storage
            .log_access(&AccessEntry {
                at: Utc::now(),
                officer_id: authed.officer.id.clone(),
                device_id: Some(authed.device),
                action: "pull".into(),
                record_ids: sent,
                detail: format!("sync pull after {after}"),
                purpose: "synced to the officer's tablet: on duty".into(),
            })
            .await?;
    }
    let access = access_fingerprint(&authed.viewer);
    Ok(PullBody {
        records,
        rest: PullRest {
            purge,
            cursor,
            more,
            access,
            viewer: authed.viewer,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::AccessQuery;
    use crate::testing::{concern, hq, Device};
    use beatbook_domain::protocol::{OpOutcome, PullResponse};
    use beatbook_domain::{OpAction, Record};

    fn raw(ops: serde_json::Value) -> RawPushRequest {
        serde_json::from_value(serde_json::json!({ "ops": ops })).unwrap()
    }

    #[tokio::test]
    async fn a_push_is_applied_in_order_and_a_retry_is_a_duplicate() {
        let hq = hq().await;
        let mut tablet = Device::enrol(&hq.state, "PC4127").await;
        let c = concern("Street drinking by the station", "tc-camden-town", None);
        let id = RecordId::new();
        let op = tablet.op(
            id,
            RecordKind::Concern,
            OpAction::Put {
                fields: c.writes_from(None).unwrap(),
            },
        );
        let first = tablet.push(&hq.state, std::slice::from_ref(&op)).await;
        assert!(matches!(
            first.results[0].outcome,
            OpOutcome::Applied { .. }
        ));
        assert_eq!(first.expected_seq, 2);
        let again = tablet.push(&hq.state, &[op]).await;
        assert_eq!(again.results[0].outcome, OpOutcome::Duplicate);
        assert!(hq.state.storage.record(id).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_push_too_large_or_unreadable_is_refused_whole() {
        let hq = hq().await;
        let tablet = Device::enrol(&hq.state, "PC4127").await;
        let mut settings = (*hq.state.settings).clone();
        settings.max_push_ops = 1;
        let small = HqState {
            settings: Arc::new(settings),
            ..hq.state.clone()
        };
        let two = raw(serde_json::json!([{}, {}]));
        let e = push(&small, tablet.authed(&small).await, two).await.err();
        assert!(
            matches!(&e, Some(ApiError::BadRequest(m)) if m == "at most 1 ops in one push"),
            "{e:?}"
        );
        let unreadable = raw(serde_json::json!([{"device_seq": 1}]));
        let e = push(&hq.state, tablet.authed(&hq.state).await, unreadable)
            .await
            .err();
        assert!(
            matches!(&e, Some(ApiError::BadRequest(m)) if m.contains("op 1")),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn a_pull_sends_what_the_officer_may_see_and_logs_it_first() {
        let hq = hq().await;
        let mut camden = Device::enrol(&hq.state, "PC4127").await;
        let dalston = Device::enrol(&hq.state, "PC3318").await;
        let id = camden
            .create(&hq.state, &concern("Bins alight", "tc-camden-town", None))
            .await;

        let page = pull(&hq.state, camden.authed(&hq.state).await, 0, None)
            .await
            .unwrap();
        assert_eq!(page.records.len(), 1);
        assert!(!page.rest.more);
        let answer: PullResponse = serde_json::from_slice(&page.to_json().unwrap()).unwrap();
        assert_eq!(answer.records.len(), 1);
        assert_eq!(answer.cursor, page.rest.cursor);
        let log = hq
            .state
            .storage
            .access_log(&AccessQuery {
                officer_id: Some(camden.officer.clone()),
                limit: 10,
                ..AccessQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(log[0].action, "pull");
        assert_eq!(log[0].record_ids, vec![id]);

        // Another team's officer is sent nothing, and nothing is logged.
        let page = pull(&hq.state, dalston.authed(&hq.state).await, 0, Some(0))
            .await
            .unwrap();
        assert!(page.records.is_empty());
        let log = hq
            .state
            .storage
            .access_log(&AccessQuery {
                officer_id: Some(dalston.officer.clone()),
                limit: 10,
                ..AccessQuery::default()
            })
            .await
            .unwrap();
        assert!(log.is_empty(), "{log:?}");
    }
}
