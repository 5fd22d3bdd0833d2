//! Enrolling a device with a one-time code an administrator issued (see [`crate::admin`]): HQ
//! registers the device and hands it a secret, which HQ keeps only as a hash.
//!
//! - **A lost answer is not a lost tablet.** Until someone signs in on the device, HQ keeps its
//!   secret sealed under a key made from HQ's own key, the code and the device id (nobody
//!   reading the database alone can open it). A retry of the same enrolment (same device id,
//!   same code) gets the same answer; the first sign-in drops the sealed secret
//!   ([`confirm`]). A new code for a device nobody has signed in on replaces its enrolment.
//! - **An enrolment never followed by a sign-in lapses** after `enrolment_code_hours`: the device
//!   row goes, so a new code enrols the same tablet.
//! - `409` only for a genuinely different enrolment: a device id already signed in on (or
//!   revoked). No answer ever asks for a wipe.
//! - HQ's own review device id ([`HQ_REVIEW_DEVICE`]) is reserved: no tablet enrols, signs in or
//!   pushes as it.
//! - Wrong codes are throttled like wrong passwords ([`crate::throttle`]): per network address
//!   and over all addresses; a right code gives its attempt back.

use crate::admin_log::{record, AdminEvent};
use crate::auth::{normalise_code, sha256_hex};
use crate::error::ApiError;
use crate::intel_review::HQ_REVIEW_DEVICE;
use crate::storage::{DeviceRow, EnrolOutcome, PendingEnrolment, ThrottleRow};
use crate::throttle::{admit, busy, in_words, is_locked, Admission, Client, Policy};
use crate::HqState;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use beatbook_domain::protocol::{EnrolRequest, EnrolResponse};
use beatbook_domain::DeviceId;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The throttle key of every enrolment attempt, wherever it comes from.
const ALL_KEY: &str = "enrol:all";

/// Enrol with no known client address (a router driven in process): only the overall count.
pub async fn enrol(state: &HqState, req: EnrolRequest) -> Result<EnrolResponse, ApiError> {
    enrol_from(state, Client::Unknown, req).await
}

/// Use up the enrolment code and register the device; or, for a retry of the same enrolment
/// nobody has signed in on yet, answer what the first attempt answered.
pub async fn enrol_from(
    state: &HqState,
    client: Client,
    req: EnrolRequest,
) -> Result<EnrolResponse, ApiError> {
    if req.device_name.trim().is_empty() || req.device_name.chars().count() > 100 {
        return Err(ApiError::BadRequest(
            "give the device a name of 1 to 100 characters".into(),
        ));
    }
    let name: String = req.device_name.trim().to_owned();
    if req.device_id == HQ_REVIEW_DEVICE {
        record(
            state,
            AdminEvent::new(
                None,
                "enrolment_refused",
                format!(
                    "A tablet named “{name}” tried to enrol as HQ's own review device: refused."
                ),
            ),
        )
        .await?;
        return Err(reserved());
    }
    let now = Utc::now();
    lapse(state, now).await?;
    let attempt = EnrolAttempt::begin(state, client).await?;
    let code = normalise_code(&req.code);
    let code_hash = sha256_hex(&code);
    let key = seal_key(state, &code, req.device_id);
    if let Some(p) = state.storage.pending_enrolment(req.device_id).await? {
        if p.code_hash == code_hash {
            let device = state.storage.device(req.device_id).await?;
            let secret = device.as_ref().and_then(|d| {
                unseal(&p.sealed_secret, &key).filter(|s| sha256_hex(s) == d.secret_hash)
            });
            attempt.succeeded().await?;
            let Some(secret) = secret else {
                return Err(ApiError::Conflict(
                    "HQ cannot repeat the answer to this tablet's enrolment (HQ's key has changed since): \
                     ask HQ for a new enrolment code and enrol again"
                        .into(),
                ));
            };
            tracing::info!(device = %req.device_id, "enrolment repeated: the same answer again");
            return Ok(EnrolResponse {
                device_id: req.device_id,
                device_secret: secret,
            });
        }
    }
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let secret = URL_SAFE_NO_PAD.encode(raw);
    let device = DeviceRow {
        id: req.device_id,
        name,
        secret_hash: sha256_hex(&secret),
        app_version: req.app_version.chars().take(40).collect(),
        enrolled_at: now,
        revoked_at: None,
        last_seen_at: None,
        next_seq: 1,
    };
    let pending = PendingEnrolment {
        device_id: device.id,
        code_hash: code_hash.clone(),
        sealed_secret: seal(&raw, &key),
        lapses_at: now + Duration::hours(state.settings.enrolment_code_hours.max(1)),
    };
    match state
        .storage
        .enrol_pending(&code_hash, &device, &pending, now)
        .await?
    {
        EnrolOutcome::Enrolled => {
            attempt.succeeded().await?;
            tracing::info!(device = %device.id, name = %device.name, "device enrolled");
            record(
                state,
                AdminEvent::new(
                    None,
                    "device_enrolled",
                    format!(
                        "Enrolled the tablet “{}” (app {}) with a one-time code.",
                        device.name, device.app_version
                    ),
                ),
            )
            .await?;
            Ok(EnrolResponse {
                device_id: device.id,
                device_secret: secret,
            })
        }
        EnrolOutcome::DeviceTaken => {
            // Not a guess at a code (the code was not looked at).
            attempt.succeeded().await?;
            let revoked = state
                .storage
                .device(device.id)
                .await?
                .is_some_and(|d| d.revoked_at.is_some());
            Err(ApiError::Conflict(if revoked {
                "HQ has revoked this tablet, so it cannot be enrolled again as it is: ask HQ's administrator".into()
            } else {
                "this tablet is already enrolled with HQ and has been signed in on: sign in on it as usual".into()
            }))
        }
        EnrolOutcome::CodeRefused => {
            record(
                state,
                AdminEvent::new(
                    None,
                    "enrolment_refused",
                    format!(
                        "A tablet named “{}” was refused enrolment: the code was unknown, already used or expired.",
                        device.name
                    ),
                ),
            )
            .await?;
            Err(attempt.failed().await)
        }
    }
}

fn reserved() -> ApiError {
    ApiError::Forbidden(
        "this device identity is reserved for HQ itself: no tablet can enrol, sign in or sync as it"
            .into(),
    )
}

/// Refuse HQ's own review device as a tablet (sign-in, push).
pub fn refuse_reserved(device: DeviceId) -> Result<(), ApiError> {
    if device == HQ_REVIEW_DEVICE {
        return Err(reserved());
    }
    Ok(())
}

/// Someone signed in on the device: it no longer lapses, and its sealed secret is dropped.
pub async fn confirm(state: &HqState, device: DeviceId) -> Result<(), ApiError> {
    state.storage.confirm_enrolment(device).await?;
    Ok(())
}

/// Remove the devices whose enrolment lapsed by `now` (nobody signed in on them in time), each
/// in the admin log.
pub async fn lapse(state: &HqState, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let lapsed = state.storage.lapse_enrolments(now).await?;
    for d in &lapsed {
        record(
            state,
            AdminEvent::new(
                None,
                "enrolment_lapsed",
                format!(
                    "The tablet “{}” was enrolled but nobody signed in on it within {} hours: its enrolment lapsed and a new code enrols it.",
                    d.name, state.settings.enrolment_code_hours
                ),
            ),
        )
        .await?;
    }
    Ok(lapsed.len())
}

/// The words a sign-in on a device whose enrolment lapsed gets.
pub fn lapsed_words(state: &HqState) -> String {
    format!(
        "this tablet's enrolment lapsed because nobody signed in on it within {} hours of enrolling: \
         ask HQ for a new enrolment code and enrol it again",
        state.settings.enrolment_code_hours
    )
}

/// The key a pending enrolment's secret is sealed under: HQ's own key (never in the database),
/// the code as typed (normalised) and the device id.
fn seal_key(state: &HqState, code: &str, device: DeviceId) -> [u8; 32] {
    let hq = state.key.derive("enrolment");
    let mut h = Sha256::new();
    h.update(hq.as_slice());
    h.update([0]);
    h.update(code.as_bytes());
    h.update([0]);
    h.update(device.to_string().as_bytes());
    h.finalize().into()
}

/// The 32 secret bytes XORed with a key used for this one secret only (hex). Tampering is caught
/// by the secret's hash on the device row.
fn seal(raw: &[u8; 32], key: &[u8; 32]) -> String {
    let sealed: Vec<u8> = raw.iter().zip(key).map(|(a, b)| a ^ b).collect();
    hex::encode(sealed)
}

fn unseal(sealed: &str, key: &[u8; 32]) -> Option<String> {
    let bytes = hex::decode(sealed).ok()?;
    if bytes.len() != 32 {
        return None;
    }
    let raw: Vec<u8> = bytes.iter().zip(key).map(|(a, b)| a ^ b).collect();
    Some(URL_SAFE_NO_PAD.encode(raw))
}

/// Whose attempts a key counts and what its pause stops, in words.
type Words = (&'static str, &'static str);

/// One enrolment attempt, counted under the client's address and under every attempt.
struct EnrolAttempt<'a> {
    state: &'a HqState,
    /// (key, policy, (whose, how) in words)
    keys: Vec<(String, Policy, Words)>,
}

impl<'a> EnrolAttempt<'a> {
    async fn begin(state: &'a HqState, client: Client) -> Result<EnrolAttempt<'a>, ApiError> {
        let s = &state.settings;
        let base = Policy::collar(&s.sign_in);
        let mut keys = Vec::new();
        if let Some(k) = client.key() {
            keys.push((
                format!("enrol:{k}"),
                Policy {
                    max_failures: s.enrolment.address_max_failures.max(1),
                    ..base
                },
                ("from this network address", "from it"),
            ));
        }
        keys.push((
            ALL_KEY.to_owned(),
            Policy {
                max_failures: s.enrolment.max_failures.max(1),
                ..base
            },
            ("from many places", "for everyone"),
        ));
        let mut a = EnrolAttempt {
            state,
            keys: Vec::new(),
        };
        // A read first: hammering a paused address costs no writes.
        let names: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let now = state.sign_in_clock.now();
        for row in state.storage.throttles(&names).await? {
            if let Some(k) = keys.iter().find(|k| k.0 == row.key) {
                if is_locked(&row, now) {
                    return Err(paused(k.2, &row, now));
                }
            }
        }
        for (key, policy, whose) in keys {
            match admit(state, &key, policy, || busy("enrolments")).await {
                Ok(Admission::Counted(_)) => a.keys.push((key, policy, whose)),
                Ok(Admission::Paused(row)) => {
                    a.give_back().await?;
                    return Err(paused(whose, &row, state.sign_in_clock.now()));
                }
                Err(e) => {
                    a.give_back().await?;
                    return Err(e);
                }
            }
        }
        Ok(a)
    }

    async fn give_back(&self) -> Result<(), ApiError> {
        let now = self.state.sign_in_clock.now();
        for (key, policy, _) in &self.keys {
            let policy = *policy;
            self.state
                .storage
                .update_throttle(key, Arc::new(move |r| policy.refund(r, now)))
                .await?;
        }
        Ok(())
    }

    /// A right code: every attempt given back (a success never clears a count: whoever holds one
    /// code could otherwise reset it).
    async fn succeeded(self) -> Result<(), ApiError> {
        self.give_back().await
    }

    /// A wrong code: `forbidden`, or `too_many_attempts` when enrolment is now paused.
    async fn failed(self) -> ApiError {
        let now = self.state.sign_in_clock.now();
        let mut answer = ApiError::Forbidden(
            "the enrolment code is unknown, already used or expired: check it was typed as HQ gave it, \
             or ask HQ for a new one"
                .into(),
        );
        for (key, policy, whose) in &self.keys {
            let policy = *policy;
            let row = self
                .state
                .storage
                .update_throttle(key, Arc::new(move |r| Some(policy.failed(r, now))))
                .await;
            match row {
                Ok(Some(row)) if is_locked(&row, now) => {
                    tracing::warn!(key = %key, "enrolment paused after too many wrong codes");
                    answer = paused(*whose, &row, now);
                }
                Ok(_) => {}
                Err(e) => return e.into(),
            }
        }
        answer
    }
}

fn paused((whose, how): Words, row: &ThrottleRow, now: DateTime<Utc>) -> ApiError {
    let until = row.locked_until.unwrap_or(now);
    let secs = u64::try_from(((until - now).num_milliseconds() + 999) / 1000)
        .unwrap_or(1)
        .max(1);
    ApiError::TooManyAttempts {
        message: format!(
            "too many wrong enrolment codes {whose}, so HQ has paused enrolment {how}. Try again in {}; \
             if the code keeps being refused, ask HQ for a new one",
            in_words(Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX)))
        ),
        retry_after_seconds: secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hq;
    use beatbook_domain::DeviceId;

    fn request(code: &str, device_id: DeviceId, name: &str) -> EnrolRequest {
        EnrolRequest {
            code: code.into(),
            device_id,
            device_name: name.into(),
            app_version: "0.1.0".into(),
        }
    }

    #[tokio::test]
    async fn a_code_enrols_one_device_and_its_retry_gets_the_same_answer() {
        let hq = hq().await;
        let code = crate::admin::enrolment_code(hq.state.storage.as_ref(), 1)
            .await
            .unwrap();
        let typed = code.to_lowercase().replace('-', " ");
        let id = DeviceId::new();
        let e = enrol(&hq.state, request(&code, id, "  ")).await.err();
        assert!(matches!(e, Some(ApiError::BadRequest(_))), "{e:?}");
        let enrolled = enrol(&hq.state, request(&typed, id, " Tablet 14 "))
            .await
            .unwrap();
        assert_eq!(enrolled.device_id, id);
        let row = hq.state.storage.device(id).await.unwrap().unwrap();
        assert_eq!(row.name, "Tablet 14");
        assert_eq!(row.secret_hash, sha256_hex(&enrolled.device_secret));
        // The answer was lost: the same device with the same code gets it again.
        let again = enrol(&hq.state, request(&code, id, "Tablet 14"))
            .await
            .unwrap();
        assert_eq!(again.device_secret, enrolled.device_secret);
        // The used code for another device.
        let e = enrol(&hq.state, request(&code, DeviceId::new(), "Tablet 15"))
            .await
            .err();
        assert!(matches!(e, Some(ApiError::Forbidden(_))), "{e:?}");
        // Once signed in on, a retry is a conflict that asks for no wipe.
        confirm(&hq.state, id).await.unwrap();
        let e = enrol(&hq.state, request(&code, id, "Tablet 14"))
            .await
            .err();
        assert!(
            matches!(&e, Some(ApiError::Conflict(m)) if !m.contains("wipe")),
            "{e:?}"
        );
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key() {
        let raw = [7u8; 32];
        let key = [9u8; 32];
        let sealed = seal(&raw, &key);
        assert!(!sealed.contains(&hex::encode(raw)));
        assert_eq!(unseal(&sealed, &key), Some(URL_SAFE_NO_PAD.encode(raw)));
        assert_ne!(
            unseal(&sealed, &[8u8; 32]),
            Some(URL_SAFE_NO_PAD.encode(raw))
        );
        assert_eq!(unseal("not hex", &key), None);
    }
}
