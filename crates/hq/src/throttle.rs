//! Slowing down password guessing, for device sign-in (`POST /api/v1/login`) and the dashboard
//! (`POST /api/v1/hq/login`) alike.
//!
//! Failures are counted in storage, so every HQ process on one database sees the same counts,
//! under three kinds of key: the collar number typed (as a hash, so a password typed into the
//! wrong box is never kept), the device, and, at the dashboard, the network address.
//!
//! - After `max_failures` wrong passwords for one collar number within the window, its sign-in is
//!   paused: 1 minute, then 2, 4, ... up to the cap; a quiet spell (`forget_after_hours`) starts
//!   the doubling again. A right password clears the collar number's count.
//! - A device or address gets `client_max_failures` over every collar number, so one source
//!   cannot try a password on many collar numbers. A success does not clear that count (whoever
//!   knows one password could otherwise reset it); it only gives back its own attempt.
//! - While paused, HQ answers `too_many_attempts` (429, `Retry-After`, and when in words) without
//!   checking the password, so a guess made then is never tested.
//! - An attempt is counted *before* its password is checked and given back if it was right, so
//!   attempts sent all at once cannot get past the limit together. Attempts beyond the limit
//!   while others are being checked wait for them (briefly, then `too_many_attempts` with a
//!   one-second `Retry-After`) instead of pausing anything: only wrong passwords pause, so a
//!   shift starting on several tablets at once is never taken for guessing.
//! - An unknown collar number is counted and answered exactly like a known one, and its password
//!   is checked against a stand-in hash: neither the answer nor its timing says whether the collar
//!   number exists.
//! - Every wrong password is written to the access log (action [`FAILED_ACTION`]), where the audit
//!   search finds it by officer, device and time. Attempts refused while paused are not (they are
//!   bounded only by the caller's patience); they go to the server log.

use crate::auth::{hash_password, new_secret, sha256_hex, verify_password};
use crate::dashboard::audit::AccessEntry;
use crate::error::ApiError;
use crate::settings::SignInSettings;
use crate::storage::{OfficerRow, ThrottleRow};
use crate::HqState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use beatbook_domain::{DeviceId, OfficerId};
use chrono::{DateTime, Duration, Utc};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, OnceLock};

/// The access log action of a wrong password.
pub const FAILED_ACTION: &str = "sign_in_failed";
/// The officer a failure is logged under when no officer has the collar number typed.
pub const UNKNOWN_OFFICER: &str = "(unknown collar number)";

/// What time it is, for throttling. Tests move it instead of sleeping.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Clock(Arc::new(Utc::now))
    }

    pub fn from_fn(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// The limits for one kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: u32,
    pub window: Duration,
    pub first_lockout: Duration,
    pub max_lockout: Duration,
    pub forget_after: Duration,
}

impl Policy {
    /// For one collar number.
    pub fn collar(s: &SignInSettings) -> Policy {
        Policy {
            max_failures: s.max_failures.max(1),
            window: Duration::seconds(s.window_seconds),
            first_lockout: Duration::seconds(s.lockout_seconds),
            max_lockout: Duration::seconds(s.max_lockout_seconds),
            forget_after: Duration::hours(s.forget_after_hours),
        }
    }

    /// For one device or network address.
    pub fn client(s: &SignInSettings) -> Policy {
        Policy {
            max_failures: s.client_max_failures.max(1),
            ..Policy::collar(s)
        }
    }

    /// How long the `nth` lock-out in a row lasts: the first, doubled each time, capped.
    pub fn lockout(&self, nth: u32) -> Duration {
        let doublings = nth.saturating_sub(1).min(40);
        let secs = self
            .first_lockout
            .num_seconds()
            .saturating_mul(1i64 << doublings)
            .min(self.max_lockout.num_seconds());
        Duration::seconds(secs)
    }

    /// The row as it stands at `now`: forgotten after a quiet spell, a new run after the window.
    fn live(&self, row: Option<ThrottleRow>, now: DateTime<Utc>) -> ThrottleRow {
        let fresh = ThrottleRow {
            key: String::new(),
            failures: 0,
            since: now,
            lockouts: 0,
            locked_until: None,
            updated_at: now,
        };
        let Some(mut r) = row else {
            return fresh;
        };
        let last = r.locked_until.map_or(r.updated_at, |u| u.max(r.updated_at));
        if now - last >= self.forget_after {
            return ThrottleRow {
                key: r.key,
                ..fresh
            };
        }
        if !is_locked(&r, now) && (r.failures == 0 || now - r.since >= self.window) {
            r.failures = 0;
            r.since = now;
        }
        r
    }

    fn lock(&self, r: &mut ThrottleRow, now: DateTime<Utc>) {
        r.lockouts = r.lockouts.saturating_add(1);
        r.locked_until = Some(now + self.lockout(r.lockouts));
        r.failures = 0;
        r.since = now;
        r.updated_at = now;
    }

    /// Count an attempt before its password is checked, answering whether it was counted. A
    /// paused row stays as it is. An attempt past the limit (attempts sent together, whose
    /// passwords are still being checked) is not counted and pauses nothing: it waits for those
    /// to finish (see [`admit`]), so that many right passwords at once are never taken for
    /// guessing, and wrong ones still get no more than the limit's worth of checks.
    pub fn attempt(&self, row: Option<ThrottleRow>, now: DateTime<Utc>) -> (ThrottleRow, bool) {
        let mut r = self.live(row, now);
        if is_locked(&r, now) {
            return (r, false);
        }
        if r.failures >= self.max_failures {
            // Nothing counted for a while: the checks filling the limit were abandoned (a
            // request cut off mid-check never gives its attempt back). They count as failures.
            if now - r.updated_at >= Duration::seconds(ABANDONED_AFTER_SECONDS) {
                self.lock(&mut r, now);
            }
            return (r, false);
        }
        r.failures += 1;
        r.updated_at = now;
        (r, true)
    }

    /// A counted attempt's password was wrong: at the limit, pause.
    pub fn failed(&self, row: Option<ThrottleRow>, now: DateTime<Utc>) -> ThrottleRow {
        let mut r = self.live(row, now);
        if !is_locked(&r, now) && r.failures >= self.max_failures {
            self.lock(&mut r, now);
        }
        r
    }

    /// A counted attempt's password was right: give the attempt back.
    pub fn refund(&self, row: Option<ThrottleRow>, now: DateTime<Utc>) -> Option<ThrottleRow> {
        let mut r = row?;
        if !is_locked(&r, now) {
            r.failures = r.failures.saturating_sub(1);
        }
        Some(r)
    }
}

pub fn is_locked(row: &ThrottleRow, now: DateTime<Utc>) -> bool {
    row.locked_until.is_some_and(|u| u > now)
}

/// The throttle key of a collar number as typed. Collar numbers are compared without case or
/// surrounding spaces, so spelling one differently does not get round its count.
pub fn collar_key(collar: &str) -> String {
    format!("collar:{}", sha256_hex(&collar.trim().to_uppercase()))
}

/// Where an attempt comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    Device(DeviceId),
    Address(IpAddr),
    /// Not known (a router driven in process): only the collar number is throttled.
    Unknown,
}

impl Client {
    pub fn key(&self) -> Option<String> {
        match self {
            Client::Device(d) => Some(format!("device:{d}")),
            Client::Address(a) => Some(format!("address:{}", address_key(*a))),
            Client::Unknown => None,
        }
    }

    fn words(&self) -> &'static str {
        match self {
            Client::Device(_) => "this device",
            Client::Address(_) | Client::Unknown => "this network address",
        }
    }

    pub fn device(&self) -> Option<DeviceId> {
        match self {
            Client::Device(d) => Some(*d),
            _ => None,
        }
    }
}

/// IPv4 addresses count one by one; IPv6 ones by their /64, which one household or phone holds
/// whole and can pick any address from.
fn address_key(a: IpAddr) -> String {
    match a {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", Ipv6Addr::from(prefix))
            }
        },
    }
}

/// The network address a dashboard request came from: the peer (`ConnectInfo`, wired in
/// [`crate::serve`]), or the last `X-Forwarded-For` entry when `sign_in.trust_forwarded_for` is
/// set (that entry is the one the proxy in front of HQ added). `None` when neither is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    pub fn client(&self) -> Client {
        self.0.map_or(Client::Unknown, Client::Address)
    }
}

impl FromRequestParts<HqState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HqState,
    ) -> Result<Self, std::convert::Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if state.settings.sign_in.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok());
            if forwarded.is_some() {
                return Ok(ClientAddr(forwarded));
            }
        }
        Ok(ClientAddr(peer))
    }
}

/// "4 minutes", "30 seconds", "2 hours": rounded up, so the time given is never too early.
pub fn in_words(d: Duration) -> String {
    let secs = d.num_seconds().max(1);
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if secs < 60 {
        return plural(secs, "second");
    }
    let minutes = (secs + 59) / 60;
    if minutes < 120 {
        return plural(minutes, "minute");
    }
    plural((minutes + 59) / 60, "hour")
}

/// `whose`: "for this collar number" or "from this device"; `how`: "with it" or "from it".
fn paused(whose: &str, how: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> ApiError {
    let left = until - now;
    let retry_after_seconds = u64::try_from((left.num_milliseconds() + 999) / 1000)
        .unwrap_or(1)
        .max(1);
    ApiError::TooManyAttempts {
        message: format!(
            "too many wrong passwords {whose}, so HQ has paused signing in {how}. Try again in {}; \
             if the password is forgotten, ask an HQ administrator to set a new one",
            in_words(Duration::seconds(
                i64::try_from(retry_after_seconds).unwrap_or(i64::MAX)
            ))
        ),
        retry_after_seconds,
    }
}

/// Attempts counted this long ago and neither given back nor failed were abandoned.
const ABANDONED_AFTER_SECONDS: i64 = 20;

/// How long an attempt waits for attempts before it to be checked, before answering "busy".
const ADMIT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// What [`admit`] found.
pub enum Admission {
    /// Counted: go on and check.
    Counted(ThrottleRow),
    /// The key is paused.
    Paused(ThrottleRow),
}

/// Count an attempt under `key`. While the attempts being checked fill the key's limit, wait for
/// them to finish (they free their place, or pause the key); after [`ADMIT_WAIT`], answer `busy`
/// (`too_many_attempts`, one second) without counting anything.
pub async fn admit(
    state: &HqState,
    key: &str,
    policy: Policy,
    busy: impl Fn() -> ApiError,
) -> Result<Admission, ApiError> {
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(20);
    loop {
        let now = state.sign_in_clock.now();
        let counted = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = counted.clone();
        let row = state
            .storage
            .update_throttle(
                key,
                Arc::new(move |r| {
                    let (row, was_counted) = policy.attempt(r, now);
                    flag.store(was_counted, std::sync::atomic::Ordering::SeqCst);
                    Some(row)
                }),
            )
            .await?
            .unwrap_or_else(|| ThrottleRow {
                key: key.to_owned(),
                failures: 0,
                since: now,
                lockouts: 0,
                locked_until: None,
                updated_at: now,
            });
        if is_locked(&row, now) {
            return Ok(Admission::Paused(row));
        }
        if counted.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(Admission::Counted(row));
        }
        if started.elapsed() >= ADMIT_WAIT {
            return Err(busy());
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(std::time::Duration::from_millis(250));
    }
}

/// The answer to an attempt that waited too long for others to be checked.
pub fn busy(what: &str) -> ApiError {
    ApiError::TooManyAttempts {
        message: format!("HQ is checking several {what} at this moment: try again in a second"),
        retry_after_seconds: 1,
    }
}

/// The hash a password is checked against when there is no officer (or no password), so a wrong
/// collar number takes as long to answer as a wrong password.
fn stand_in_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_secret()).unwrap_or_default())
}

/// One sign-in attempt, from [`Attempt::begin`] to [`Attempt::succeeded`] or [`Attempt::failed`].
pub struct Attempt<'a> {
    state: &'a HqState,
    /// For the access log: `device sign-in`, `HQ dashboard sign-in`.
    via: &'static str,
    client: Client,
    collar_key: String,
    client_key: Option<String>,
    now: DateTime<Utc>,
    collar_policy: Policy,
    client_policy: Policy,
}

impl<'a> Attempt<'a> {
    /// Refuse (`too_many_attempts`) while the collar number or the client is paused, without
    /// looking further; otherwise count the attempt.
    pub async fn begin(
        state: &'a HqState,
        via: &'static str,
        collar: &str,
        client: Client,
    ) -> Result<Attempt<'a>, ApiError> {
        let a = Attempt {
            state,
            via,
            client,
            collar_key: collar_key(collar),
            client_key: client.key(),
            now: state.sign_in_clock.now(),
            collar_policy: Policy::collar(&state.settings.sign_in),
            client_policy: Policy::client(&state.settings.sign_in),
        };
        // A read first: hammering a paused collar number costs no writes.
        let mut keys = vec![a.collar_key.clone()];
        keys.extend(a.client_key.clone());
        for row in state.storage.throttles(&keys).await? {
            a.refuse_if_locked(&row)?;
        }
        if let Some(key) = &a.client_key {
            if let Admission::Paused(row) =
                admit(state, key, a.client_policy, || busy("sign-ins")).await?
            {
                a.refuse_if_locked(&row)?;
            }
        }
        let collar = admit(state, &a.collar_key, a.collar_policy, || busy("sign-ins")).await;
        let collar = match collar {
            Ok(c) => c,
            Err(e) => {
                a.give_back_client().await?;
                return Err(e);
            }
        };
        if let Admission::Paused(row) = collar {
            a.give_back_client().await?;
            a.refuse_if_locked(&row)?;
        }
        Ok(a)
    }

    /// The client's counted attempt, given back when the collar number refuses it unchecked.
    async fn give_back_client(&self) -> Result<(), ApiError> {
        if let Some(key) = &self.client_key {
            let (policy, now) = (self.client_policy, self.now);
            self.update(key, move |r| policy.refund(r, now)).await?;
        }
        Ok(())
    }

    /// Check `password` against the officer's hash; with no officer or no password, against a
    /// stand-in, and answer `false`.
    pub async fn verify(
        &self,
        officer: Option<&OfficerRow>,
        password: String,
    ) -> Result<bool, ApiError> {
        let hash = officer.and_then(|o| o.password_hash.clone());
        let real = hash.is_some();
        // Argon2 is deliberately slow: keep it off the async workers.
        let ok = tokio::task::spawn_blocking(move || {
            let hash = hash.as_deref().unwrap_or_else(|| stand_in_hash());
            verify_password(&password, hash)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(ok && real)
    }

    /// The password was right: the collar number's count is cleared, the client's attempt given
    /// back.
    pub async fn succeeded(self) -> Result<(), ApiError> {
        self.update(&self.collar_key, |_| None).await?;
        if let Some(key) = &self.client_key {
            let (policy, now) = (self.client_policy, self.now);
            self.update(key, move |r| policy.refund(r, now)).await?;
        }
        Ok(())
    }

    /// The password was wrong (or there is no such officer): count it, write it to the access
    /// log, and answer the error to send: `unauthorised`, or `too_many_attempts` if sign-in is
    /// now paused.
    pub async fn failed(self, officer: Option<&OfficerId>) -> ApiError {
        match self.record_failure(officer).await {
            Ok(e) | Err(e) => e,
        }
    }

    async fn record_failure(&self, officer: Option<&OfficerId>) -> Result<ApiError, ApiError> {
        let (collar_policy, client_policy, now) =
            (self.collar_policy, self.client_policy, self.now);
        let collar = self
            .update(&self.collar_key, move |r| {
                Some(collar_policy.failed(r, now))
            })
            .await?;
        let client = match &self.client_key {
            Some(key) => Some(
                self.update(key, move |r| Some(client_policy.failed(r, now)))
                    .await?,
            ),
            None => None,
        };
        let mut detail = format!("{}: wrong password", self.via);
        if officer.is_none() {
            detail.push_str(" (no officer has the collar number typed)");
        }
        if let Client::Address(a) = self.client {
            detail.push_str(&format!(" from {a}"));
        }
        let mut answer = None;
        if let Some(until) = collar.locked_until.filter(|u| *u > now) {
            detail.push_str(&format!(
                "; sign-in for this collar number paused until {}",
                until.to_rfc3339()
            ));
            answer = Some(paused("for this collar number", "with it", until, now));
        }
        if let Some(until) = client
            .as_ref()
            .and_then(|r| r.locked_until.filter(|u| *u > now))
        {
            detail.push_str(&format!(
                "; sign-in from {} paused until {}",
                self.client.words(),
                until.to_rfc3339()
            ));
            let later = collar.locked_until.filter(|c| *c > until).is_none();
            if answer.is_none() || later {
                let whose = format!("from {}", self.client.words());
                answer = Some(paused(&whose, "from it", until, now));
            }
        }
        // A security event: the audit search shows it with the reads.
        self.state
            .storage
            .log_access(&AccessEntry {
                at: now,
                officer_id: officer
                    .cloned()
                    .unwrap_or_else(|| OfficerId::new(UNKNOWN_OFFICER)),
                device_id: self.client.device(),
                action: FAILED_ACTION.into(),
                record_ids: Vec::new(),
                detail,
                purpose: String::new(),
            })
            .await?;
        tracing::warn!(
            via = self.via,
            officer = officer.map_or(UNKNOWN_OFFICER, |o| o.as_str()),
            client = ?self.client,
            paused = answer.is_some(),
            "sign-in failed"
        );
        // Rows that have been quiet long enough are of no more use.
        self.state
            .storage
            .forget_throttles(now - collar_policy.forget_after)
            .await?;
        if let Some(e) = answer {
            return Ok(e);
        }
        // Say so when the next wrong password or two will pause sign-in.
        let left = |r: &ThrottleRow, p: &Policy| p.max_failures.saturating_sub(r.failures);
        let mut warn = None;
        let collar_left = left(&collar, &collar_policy);
        if collar_left <= 2 {
            warn = Some((collar_left, "for this collar number".to_owned()));
        }
        if let Some(c) = &client {
            let n = left(c, &client_policy);
            if n <= 2 && warn.as_ref().is_none_or(|(m, _)| n < *m) {
                warn = Some((n, format!("from {}", self.client.words())));
            }
        }
        let mut message = "the collar number or password is wrong".to_owned();
        if let Some((n, whose)) = warn {
            let tries = if n == 1 {
                "one more wrong password pauses".to_owned()
            } else {
                format!("{n} more wrong passwords pause")
            };
            message.push_str(&format!(" ({tries} sign-in {whose})"));
        }
        Ok(ApiError::Unauthorised(message))
    }

    fn refuse_if_locked(&self, row: &ThrottleRow) -> Result<(), ApiError> {
        let Some(until) = row.locked_until.filter(|u| *u > self.now) else {
            return Ok(());
        };
        let (whose, how) = if row.key == self.collar_key {
            ("for this collar number".to_owned(), "with it")
        } else {
            (format!("from {}", self.client.words()), "from it")
        };
        tracing::warn!(via = self.via, client = ?self.client, %until, "sign-in refused: paused");
        Err(paused(&whose, how, until, self.now))
    }

    async fn update(
        &self,
        key: &str,
        step: impl Fn(Option<ThrottleRow>) -> Option<ThrottleRow> + Send + Sync + 'static,
    ) -> Result<ThrottleRow, ApiError> {
        let row = self
            .state
            .storage
            .update_throttle(key, Arc::new(step))
            .await?;
        // A cleared row reads as an empty one.
        Ok(row.unwrap_or_else(|| ThrottleRow {
            key: key.to_owned(),
            failures: 0,
            since: self.now,
            lockouts: 0,
            locked_until: None,
            updated_at: self.now,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::collar(&SignInSettings::default())
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    /// `n` attempts at `t`, each failing.
    fn fail_n(p: &Policy, mut row: Option<ThrottleRow>, n: u32, t: DateTime<Utc>) -> ThrottleRow {
        for _ in 0..n {
            let (r, _) = p.attempt(row, t);
            row = Some(p.failed(Some(r), t));
        }
        row.unwrap()
    }

    #[test]
    fn the_fifth_wrong_password_pauses_and_each_pause_doubles_up_to_the_cap() {
        let p = policy();
        let r = fail_n(&p, None, 4, at(0));
        assert!(!is_locked(&r, at(0)));
        assert_eq!(r.failures, 4);
        let r = fail_n(&p, Some(r), 1, at(1));
        assert_eq!(r.locked_until, Some(at(61)));
        // While paused nothing is counted.
        let (same, counted) = p.attempt(Some(r.clone()), at(30));
        assert_eq!(same, r);
        assert!(!counted);
        let mut r = r;
        let mut t = 61;
        for expected in [120, 240, 480, 960, 1920, 3600, 3600] {
            r = fail_n(&p, Some(r), 5, at(t));
            assert_eq!(r.locked_until, Some(at(t + expected)), "after {t}");
            t += expected;
        }
        // A quiet day starts again from one minute.
        let r = fail_n(&p, Some(r), 5, at(t + 24 * 3600));
        assert_eq!(r.locked_until, Some(at(t + 24 * 3600 + 60)));
        assert_eq!(r.lockouts, 1);
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let p = policy();
        let r = fail_n(&p, None, 4, at(0));
        let r = fail_n(&p, Some(r), 4, at(15 * 60));
        assert!(!is_locked(&r, at(15 * 60)));
        assert_eq!(r.failures, 4);
    }

    #[test]
    fn attempts_sent_together_cannot_pass_the_limit_and_pause_nothing_until_they_fail() {
        let p = policy();
        let mut row = None;
        let mut admitted = 0;
        for _ in 0..50 {
            let (r, counted) = p.attempt(row, at(0));
            if counted {
                admitted += 1;
            }
            row = Some(r);
        }
        assert_eq!(admitted, 5);
        // Not paused: the five may be right.
        assert!(!is_locked(row.as_ref().unwrap(), at(0)));
        // They were wrong: now it is.
        let r = p.failed(row.clone(), at(1));
        assert!(is_locked(&r, at(1)));
        // Or they were never finished (requests cut off mid-check): then they count as wrong.
        let (r, counted) = p.attempt(row.clone(), at(10));
        assert!(!counted && !is_locked(&r, at(10)));
        let (r, counted) = p.attempt(row, at(ABANDONED_AFTER_SECONDS));
        assert!(!counted && is_locked(&r, at(ABANDONED_AFTER_SECONDS)));
    }

    #[test]
    fn a_refund_gives_back_one_attempt() {
        let p = policy();
        let r = fail_n(&p, None, 3, at(0));
        let (r, _) = p.attempt(Some(r), at(1));
        assert_eq!(r.failures, 4);
        assert_eq!(p.refund(Some(r), at(1)).unwrap().failures, 3);
        assert_eq!(p.refund(None, at(1)), None);
    }

    #[test]
    fn pauses_are_said_in_words_rounded_up() {
        assert_eq!(in_words(Duration::seconds(1)), "1 second");
        assert_eq!(in_words(Duration::seconds(45)), "45 seconds");
        assert_eq!(in_words(Duration::seconds(60)), "1 minute");
        assert_eq!(in_words(Duration::seconds(61)), "2 minutes");
        assert_eq!(in_words(Duration::seconds(3600)), "60 minutes");
        assert_eq!(in_words(Duration::seconds(3 * 3600)), "3 hours");
    }

    #[test]
    fn keys_hold_no_typed_text_and_ignore_case_and_spaces() {
        assert_eq!(collar_key(" pc4127 "), collar_key("PC4127"));
        assert!(!collar_key("PC4127").contains("4127"));
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(Client::Address(a).key(), Client::Address(b).key());
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
        assert_eq!(Client::Address(mapped).key().unwrap(), "address:10.0.0.7");
    }
}
