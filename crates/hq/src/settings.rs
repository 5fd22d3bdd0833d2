//! HQ settings: defaults, then a TOML file, then `BEATBOOK_*` environment variables, then flags.

use beatbook_domain::protocol::TabletPolicy;
use beatbook_domain::retention::PastReview;
use beatbook_domain::RecordKind;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HqSettings {
    /// Where to listen, e.g. `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// `sqlite:PATH` (embedded, the default) or `postgres://...`.
    pub db: String,
    pub access_token_seconds: i64,
    pub refresh_token_days: i64,
    pub enrolment_code_hours: i64,
    /// Largest request body accepted, after decompression.
    pub max_body_bytes: usize,
    /// Most ops accepted in one push.
    pub max_push_ops: usize,
    /// Where photos are kept. Default: beside the SQLite database (`<db>-photos`), or
    /// `./photos` for PostgreSQL; several HQ processes of a force share one volume here.
    pub photos_dir: Option<std::path::PathBuf>,
    /// How password guessing is slowed down (`[sign_in]` in the TOML file).
    pub sign_in: SignInSettings,
    /// The force's name, as the board pack is headed.
    pub force_name: String,
    /// What every tablet gets at sign-in (`[tablets]` in the TOML file): the longest auto-lock
    /// an officer may choose, the map tile server, and how long a tablet keeps a closed record.
    pub tablets: TabletPolicy,
    /// The records lifecycle (`[retention]` in the TOML file): what happens to records past
    /// review, how often the sweep runs, how long the logs keep their detail.
    pub retention: RetentionSettings,
    /// The performance framework (`[framework]` in the TOML file): how many months in a row a
    /// measure must be back on target to close an improvement action on the figures.
    pub framework: FrameworkSettings,
    /// Accountable access (`[access]` in the TOML file): the purposes staff may give for a read
    /// of personal data, and how long the dashboard holds one.
    pub access: AccessSettings,
    /// How far ahead of HQ's clock a tablet's change may be stamped, in minutes (1 to 1440): a
    /// change stamped later is refused, so a tablet with a fast clock cannot beat every correct
    /// edit. Tablets learn HQ's time at every sync and stamp by it.
    pub max_clock_ahead_minutes: u32,
    /// HTTPS (`[tls]` in the TOML file): HQ's certificate chain and key, and the authority
    /// tablets pin at enrolment.
    pub tls: TlsSettings,
    /// Sessions that end (`[sessions]` in the TOML file): how long a sign-in lasts at most,
    /// however often its tokens are refreshed.
    pub sessions: SessionSettings,
    /// Connection-level time limits (`[connections]` in the TOML file): trickled headers and
    /// stalled TLS handshakes.
    pub connections: ConnectionSettings,
    /// Enrolment (`[enrolment]` in the TOML file): how wrong enrolment codes are throttled.
    pub enrolment: EnrolmentSettings,
    /// HQ's key for data at rest (the embedded database, photo files): a file holding 64 hex
    /// digits, mode 0600 (`BEATBOOK_HQ_KEY_FILE`; or the key itself in `BEATBOOK_HQ_KEY`, never a
    /// flag). Default: `<db>.key` beside an embedded database, made for a new one (see
    /// `crate::keys::HqKey::load`).
    pub db_key_file: Option<std::path::PathBuf>,
    /// What one request may take of HQ (`[requests]` in the TOML file): body sizes, time,
    /// requests in progress, and the origins the dashboard may send changes from.
    pub requests: RequestSettings,
}

/// How long a device's sign-in lasts (see `crate::device_sessions`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Days from an officer's sign-in on a tablet after which its refresh is refused and the
    /// officer signs in again (capture on the tablet never stops; only sync waits). 1 to 90;
    /// `refresh_token_days` may not be longer.
    pub absolute_days: i64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self { absolute_days: 14 }
    }
}

impl SessionSettings {
    /// Overlay `BEATBOOK_SESSIONS_ABSOLUTE_DAYS` (as `var` reads it), then check the whole
    /// against the refresh token's lifetime.
    pub fn overlay_env(
        &mut self,
        var: impl Fn(&str) -> Option<String>,
        refresh_token_days: i64,
    ) -> Result<(), String> {
        overlay(
            &var,
            "BEATBOOK_SESSIONS_ABSOLUTE_DAYS",
            &mut self.absolute_days,
        )?;
        self.check(refresh_token_days)
    }

    /// Refuse settings that make no sense, in words.
    pub fn check(&self, refresh_token_days: i64) -> Result<(), String> {
        if !(1..=90).contains(&self.absolute_days) {
            return Err(format!(
                "absolute_days is {}: it must be 1 to 90",
                self.absolute_days
            ));
        }
        if !(1..=self.absolute_days).contains(&refresh_token_days) {
            return Err(format!(
                "refresh_token_days is {refresh_token_days}: it must be 1 to absolute_days ({}), \
                 since a sign-in ends after absolute_days however it is refreshed",
                self.absolute_days
            ));
        }
        Ok(())
    }
}

/// What one request may take of HQ (see `crate::limits`). Defaults: sign-in, enrolment and
/// refresh bodies of 16 KiB, other dashboard changes of 4 MiB, pushes, photos and imports up to
/// `max_body_bytes` (all counted after decompression); 60 seconds a request; 256 requests in
/// progress, beyond which HQ answers 503 with `Retry-After`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RequestSettings {
    /// Largest body of a sign-in, enrolment, token refresh or sign-out (device or dashboard).
    pub small_body_bytes: usize,
    /// Largest body of any other dashboard change (pushes, photos and imports take
    /// `max_body_bytes`).
    pub form_body_bytes: usize,
    /// Longest a request may take, from its headers to its answer: a body that arrives too
    /// slowly is answered 408, an answer HQ could not give in time 503.
    pub request_seconds: u64,
    /// Most requests in progress at once; beyond it HQ answers 503 with `Retry-After`.
    pub max_in_flight: usize,
    /// The `Retry-After` HQ sends with that 503, in seconds.
    pub retry_after_seconds: u64,
    /// Origins besides HQ's own address (`https://hq.force.example`) the dashboard may send
    /// changes from, e.g. when a proxy in front of HQ rewrites the `Host` header.
    pub dashboard_origins: Vec<String>,
}

impl Default for RequestSettings {
    fn default() -> Self {
        Self {
            small_body_bytes: 16 * 1024,
            form_body_bytes: 4 * 1024 * 1024,
            request_seconds: 60,
            max_in_flight: 256,
            retry_after_seconds: 2,
            dashboard_origins: Vec::new(),
        }
    }
}

impl RequestSettings {
    /// Overlay `BEATBOOK_REQUEST_SECONDS` and `BEATBOOK_MAX_IN_FLIGHT` (as `var` reads them),
    /// then check.
    pub fn overlay_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        overlay(&var, "BEATBOOK_REQUEST_SECONDS", &mut self.request_seconds)?;
        overlay(&var, "BEATBOOK_MAX_IN_FLIGHT", &mut self.max_in_flight)?;
        self.check()
    }

    /// Refuse settings that make no sense, in words.
    pub fn check(&self) -> Result<(), String> {
        if self.small_body_bytes < 1024 {
            return Err("small_body_bytes must be at least 1024".into());
        }
        if self.form_body_bytes < self.small_body_bytes {
            return Err("form_body_bytes must be at least small_body_bytes".into());
        }
        if !(1..=3600).contains(&self.request_seconds) {
            return Err(format!(
                "request_seconds is {}: it must be 1 to 3600",
                self.request_seconds
            ));
        }
        if self.max_in_flight == 0 {
            return Err("max_in_flight must be at least 1".into());
        }
        if !(1..=3600).contains(&self.retry_after_seconds) {
            return Err("retry_after_seconds must be 1 to 3600".into());
        }
        Ok(())
    }
}

/// HQ's TLS (see `crate::serve`). Without `cert_file` and `key_file`, HQ serves plain HTTP, which
/// it does only on a loopback address unless told `--insecure-http`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// HQ's certificate chain, PEM: its own certificate first, then any intermediates, then
    /// (for tablets to pin) the authority's.
    pub cert_file: Option<std::path::PathBuf>,
    /// HQ's private key, PEM.
    pub key_file: Option<std::path::PathBuf>,
    /// The certificate authority tablets pin (PEM). Default: the last certificate of
    /// `cert_file`'s chain.
    pub ca_file: Option<std::path::PathBuf>,
    /// `Strict-Transport-Security: max-age=...` on every answer over TLS, in seconds (default a
    /// year): a browser that has seen HQ over HTTPS never tries plain HTTP to it again.
    pub hsts_max_age_seconds: u64,
    /// Serve plain HTTP on an address other machines can reach. Only `beatbook hq serve
    /// --insecure-http` sets it, never the settings file: it is a decision to take in words at
    /// start-up, not one to leave lying in a file.
    #[serde(skip)]
    pub insecure_http: bool,
}

impl Default for TlsSettings {
    fn default() -> Self {
        Self {
            cert_file: None,
            key_file: None,
            ca_file: None,
            hsts_max_age_seconds: 365 * 24 * 60 * 60,
            insecure_http: false,
        }
    }
}

impl TlsSettings {
    /// Overlay `BEATBOOK_TLS_CERT_FILE`, `BEATBOOK_TLS_KEY_FILE`, `BEATBOOK_TLS_CA_FILE` and
    /// `BEATBOOK_TLS_HSTS_MAX_AGE_SECONDS` (as `var` reads them).
    pub fn overlay_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        for (name, field) in [
            ("BEATBOOK_TLS_CERT_FILE", &mut self.cert_file),
            ("BEATBOOK_TLS_KEY_FILE", &mut self.key_file),
            ("BEATBOOK_TLS_CA_FILE", &mut self.ca_file),
        ] {
            if let Some(v) = var(name) {
                *field = Some(v.into()).filter(|p: &std::path::PathBuf| !p.as_os_str().is_empty());
            }
        }
        overlay(
            &var,
            "BEATBOOK_TLS_HSTS_MAX_AGE_SECONDS",
            &mut self.hsts_max_age_seconds,
        )
    }
}

/// Connection-level time limits (`[connections]` in the TOML file; see `crate::serve`): what
/// stops a client holding connections open by trickling. The time a request may take once its
/// headers are in is the request time limit's business.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionSettings {
    /// Seconds a client has to send a request's headers (from its first byte, or from the end of
    /// the previous answer on a kept-alive connection): one that trickles them, or sits idle, is
    /// closed. 1 to 300.
    pub header_seconds: u64,
    /// Seconds a client has to finish the TLS handshake. 1 to 300.
    pub handshake_seconds: u64,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            header_seconds: 10,
            handshake_seconds: 10,
        }
    }
}

impl ConnectionSettings {
    /// Overlay `BEATBOOK_CONNECTIONS_HEADER_SECONDS` and `BEATBOOK_CONNECTIONS_HANDSHAKE_SECONDS`
    /// (as `var` reads them), then check.
    pub fn overlay_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        overlay(
            &var,
            "BEATBOOK_CONNECTIONS_HEADER_SECONDS",
            &mut self.header_seconds,
        )?;
        overlay(
            &var,
            "BEATBOOK_CONNECTIONS_HANDSHAKE_SECONDS",
            &mut self.handshake_seconds,
        )?;
        self.check()
    }

    /// Refuse limits that make no sense, in words.
    pub fn check(&self) -> Result<(), String> {
        for (name, seconds) in [
            ("header_seconds", self.header_seconds),
            ("handshake_seconds", self.handshake_seconds),
        ] {
            if !(1..=300).contains(&seconds) {
                return Err(format!("{name} is {seconds}: it must be 1 to 300 seconds"));
            }
        }
        Ok(())
    }
}

impl TlsSettings {
    /// SHA-256 (lowercase hex) of the authority tablets pin, when HQ serves TLS: what the
    /// enrolment code carries. `None` when HQ serves plain HTTP (behind a proxy or on loopback).
    pub fn ca_fingerprint(&self) -> Result<Option<String>, String> {
        let Some(path) = self.ca_file.as_ref().or(self.cert_file.as_ref()) else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let der = last_pem_certificate(&text)
            .ok_or_else(|| format!("{} holds no PEM certificate", path.display()))?;
        Ok(Some(crate::certs::fingerprint_hex(&der)))
    }
}

/// The last `CERTIFICATE` block of a PEM text, decoded.
fn last_pem_certificate(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let begin = "-----BEGIN CERTIFICATE-----";
    let end = "-----END CERTIFICATE-----";
    let start = text.rfind(begin)? + begin.len();
    let stop = start + text[start..].find(end)?;
    let b64: String = text[start..stop].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// Accountable access (see `beatbook_domain::purpose`). Default: the domain's
/// [`beatbook_domain::purpose::default_purposes`], held for 60 minutes.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct AccessSettings {
    /// The purposes a force allows (`[[access.purposes]]`: code, label, needs_reference,
    /// unmasks).
    pub purposes: Vec<beatbook_domain::purpose::PurposeKind>,
    /// How long the dashboard holds a purpose once given, 1 to 480 minutes.
    pub purpose_minutes: u32,
}

impl Default for AccessSettings {
    fn default() -> Self {
        Self {
            purposes: beatbook_domain::purpose::default_purposes(),
            purpose_minutes: 60,
        }
    }
}

impl AccessSettings {
    /// Overlay `BEATBOOK_ACCESS_PURPOSE_MINUTES` (as `var` reads it), then check the whole.
    pub fn overlay_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        overlay(
            &var,
            "BEATBOOK_ACCESS_PURPOSE_MINUTES",
            &mut self.purpose_minutes,
        )?;
        self.check()
    }

    /// Refuse settings that make no sense, in words.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=480).contains(&self.purpose_minutes) {
            return Err(format!(
                "purpose_minutes is {}: it must be 1 to 480",
                self.purpose_minutes
            ));
        }
        beatbook_domain::purpose::check_purposes(&self.purposes)
    }
}

/// The performance framework's settings. Default: an action closes on the figures after
/// [`beatbook_domain::improvement::DEFAULT_PERIODS_ON_TARGET`] months on target.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct FrameworkSettings {
    /// Complete calendar months in a row the measure must be on target (green) for an
    /// improvement action to be closed on the figures, 1 to 24.
    pub periods_on_target: u32,
}

impl Default for FrameworkSettings {
    fn default() -> Self {
        Self {
            periods_on_target: beatbook_domain::improvement::DEFAULT_PERIODS_ON_TARGET,
        }
    }
}

impl FrameworkSettings {
    pub const MOST_PERIODS_ON_TARGET: u32 = 24;

    /// Overlay `BEATBOOK_FRAMEWORK_PERIODS_ON_TARGET` (as `var` reads it), then check.
    pub fn overlay_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        overlay(
            &var,
            "BEATBOOK_FRAMEWORK_PERIODS_ON_TARGET",
            &mut self.periods_on_target,
        )?;
        self.check()
    }

    /// Refuse settings that make no sense, in words.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=Self::MOST_PERIODS_ON_TARGET).contains(&self.periods_on_target) {
            return Err(format!(
                "periods_on_target is {}: it must be 1 to {} months",
                self.periods_on_target,
                Self::MOST_PERIODS_ON_TARGET
            ));
        }
        Ok(())
    }
}

/// The records lifecycle's settings (see `crate::retention`). Defaults: every kind waits in the
/// records manager's queue, the sweep runs hourly, the op log keeps its text and the access log
/// its detail for seven years.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// Per kind (`concern = "dispose"`), what happens to records past their review date: they
    /// wait in the queue (`queue`, the default for a kind not listed) or the sweep disposes of
    /// them (`dispose`).
    pub past_review: BTreeMap<RecordKind, PastReview>,
    /// Minutes between sweeps, 1 to a week.
    pub sweep_minutes: u64,
    /// Years the op log keeps the text of a change (who and when are kept for good).
    pub op_log_text_years: u32,
    /// Years the access log keeps which records were shown and what was asked (who, when and
    /// what they did are kept for good).
    pub access_log_detail_years: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            past_review: BTreeMap::new(),
            sweep_minutes: 60,
            op_log_text_years: 7,
            access_log_detail_years: 7,
        }
    }
}

impl RetentionSettings {
    pub const LONGEST_SWEEP_MINUTES: u64 = 7 * 24 * 60;
    pub const LONGEST_LOG_YEARS: u32 = 100;

    /// What the force does with records of `kind` past review.
    pub fn past_review(&self, kind: RecordKind) -> PastReview {
        self.past_review.get(&kind).copied().unwrap_or_default()
    }

    /// The kinds the sweep disposes of.
    pub fn swept_kinds(&self) -> Vec<RecordKind> {
        self.past_review
            .iter()
            .filter(|(_, p)| **p == PastReview::Dispose)
            .map(|(k, _)| *k)
            .collect()
    }

    /// Overlay `BEATBOOK_RETENTION_*` variables (as `var` reads them), then check the whole:
    /// `BEATBOOK_RETENTION_SWEEP_MINUTES`, `BEATBOOK_RETENTION_OP_LOG_TEXT_YEARS`,
    /// `BEATBOOK_RETENTION_ACCESS_LOG_DETAIL_YEARS`, and per kind
    /// `BEATBOOK_RETENTION_PAST_REVIEW_CONCERN=dispose` (kinds as in the TOML file, in capitals).
    pub fn overlay_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        overlay(
            &var,
            "BEATBOOK_RETENTION_SWEEP_MINUTES",
            &mut self.sweep_minutes,
        )?;
        overlay(
            &var,
            "BEATBOOK_RETENTION_OP_LOG_TEXT_YEARS",
            &mut self.op_log_text_years,
        )?;
        overlay(
            &var,
            "BEATBOOK_RETENTION_ACCESS_LOG_DETAIL_YEARS",
            &mut self.access_log_detail_years,
        )?;
        for kind in RecordKind::ALL {
            let key = kind.as_str().to_ascii_uppercase();
            let name = format!("BEATBOOK_RETENTION_PAST_REVIEW_{key}");
            if let Some(v) = var(&name) {
                let choice = match v.trim() {
                    "queue" => PastReview::Queue,
                    "dispose" => PastReview::Dispose,
                    _ => return Err(format!("{name}={v:?}: use queue or dispose")),
                };
                self.past_review.insert(kind, choice);
            }
        }
        self.check()
    }

    /// Refuse settings that make no sense, in words.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=Self::LONGEST_SWEEP_MINUTES).contains(&self.sweep_minutes) {
            return Err(format!(
                "sweep_minutes is {}: it must be 1 to {} (a week)",
                self.sweep_minutes,
                Self::LONGEST_SWEEP_MINUTES
            ));
        }
        for (name, years) in [
            ("op_log_text_years", self.op_log_text_years),
            ("access_log_detail_years", self.access_log_detail_years),
        ] {
            if !(1..=Self::LONGEST_LOG_YEARS).contains(&years) {
                return Err(format!(
                    "{name} is {years}: it must be 1 to {} years",
                    Self::LONGEST_LOG_YEARS
                ));
            }
        }
        Ok(())
    }
}

/// Sign-in throttling, for devices and the dashboard alike (see `crate::throttle`). Defaults: 5
/// wrong passwords for one collar number within 15 minutes pause that collar number's sign-in
/// for 1 minute, then 2, 4, ... up to 1 hour; a device or network address gets 20.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SignInSettings {
    /// Wrong passwords in a row for one collar number before its sign-in is paused.
    pub max_failures: u32,
    /// Wrong passwords from one device (or, at the dashboard, one network address), whatever the
    /// collar number, before sign-in from there is paused.
    pub client_max_failures: u32,
    /// Failures older than this no longer count towards a pause.
    pub window_seconds: i64,
    /// The first pause; each pause in a row doubles it.
    pub lockout_seconds: i64,
    /// The longest pause.
    pub max_lockout_seconds: i64,
    /// After this long without a failure, the doubling starts again from the first pause.
    pub forget_after_hours: i64,
    /// Take the dashboard client's address from the last `X-Forwarded-For` entry. Only behind a
    /// reverse proxy that sets it: otherwise every client could claim any address, and behind a
    /// proxy without it every browser shares the proxy's address.
    pub trust_forwarded_for: bool,
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            max_failures: 5,
            client_max_failures: 20,
            window_seconds: 15 * 60,
            lockout_seconds: 60,
            max_lockout_seconds: 60 * 60,
            forget_after_hours: 24,
            trust_forwarded_for: false,
        }
    }
}

impl SignInSettings {
    /// Overlay `BEATBOOK_SIGN_IN_*` variables (as `var` reads them), then check the whole.
    pub fn overlay_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        overlay(
            &var,
            "BEATBOOK_SIGN_IN_MAX_FAILURES",
            &mut self.max_failures,
        )?;
        overlay(
            &var,
            "BEATBOOK_SIGN_IN_CLIENT_MAX_FAILURES",
            &mut self.client_max_failures,
        )?;
        overlay(
            &var,
            "BEATBOOK_SIGN_IN_WINDOW_SECONDS",
            &mut self.window_seconds,
        )?;
        overlay(
            &var,
            "BEATBOOK_SIGN_IN_LOCKOUT_SECONDS",
            &mut self.lockout_seconds,
        )?;
        overlay(
            &var,
            "BEATBOOK_SIGN_IN_MAX_LOCKOUT_SECONDS",
            &mut self.max_lockout_seconds,
        )?;
        overlay(
            &var,
            "BEATBOOK_SIGN_IN_FORGET_AFTER_HOURS",
            &mut self.forget_after_hours,
        )?;
        overlay(
            &var,
            "BEATBOOK_SIGN_IN_TRUST_FORWARDED_FOR",
            &mut self.trust_forwarded_for,
        )?;
        self.check()
    }

    /// Refuse settings that would switch throttling off or make no sense.
    pub fn check(&self) -> Result<(), String> {
        if self.max_failures == 0 || self.client_max_failures == 0 {
            return Err("sign_in: max_failures and client_max_failures must be at least 1".into());
        }
        if self.window_seconds <= 0 || self.lockout_seconds <= 0 || self.forget_after_hours <= 0 {
            return Err(
                "sign_in: window_seconds, lockout_seconds and forget_after_hours must be positive"
                    .into(),
            );
        }
        if self.max_lockout_seconds < self.lockout_seconds {
            return Err("sign_in: max_lockout_seconds must be at least lockout_seconds".into());
        }
        Ok(())
    }
}

impl Default for HqSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: "sqlite:beatbook-hq.db".into(),
            access_token_seconds: 3600,
            refresh_token_days: 14,
            enrolment_code_hours: 24,
            max_body_bytes: 64 * 1024 * 1024,
            max_push_ops: 20_000,
            photos_dir: None,
            sign_in: SignInSettings::default(),
            force_name: "Metropolitan Police Service".into(),
            tablets: TabletPolicy::default(),
            retention: RetentionSettings::default(),
            framework: FrameworkSettings::default(),
            access: AccessSettings::default(),
            max_clock_ahead_minutes: beatbook_domain::integrity::DEFAULT_MAX_AHEAD_MINUTES,
            tls: TlsSettings::default(),
            sessions: SessionSettings::default(),
            connections: ConnectionSettings::default(),
            enrolment: EnrolmentSettings::default(),
            requests: RequestSettings::default(),
            db_key_file: None,
        }
    }
}

impl std::fmt::Debug for HqSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HqSettings")
            .field("listen", &self.listen)
            .field("db", &redact_db_url(&self.db))
            .field("access_token_seconds", &self.access_token_seconds)
            .field("refresh_token_days", &self.refresh_token_days)
            .field("sign_in", &self.sign_in)
            .field("tablets", &self.tablets)
            .field("retention", &self.retention)
            .field("framework", &self.framework)
            .field("access", &self.access)
            .field("tls", &self.tls)
            .field("sessions", &self.sessions)
            .field("connections", &self.connections)
            .field("enrolment", &self.enrolment)
            .field("requests", &self.requests)
            .field("db_key_file", &self.db_key_file)
            .finish_non_exhaustive()
    }
}

/// Throttling wrong enrolment codes (`POST /api/v1/enrol`, unauthenticated): per network address
/// and over all addresses together, counted and paused as sign-ins are (the window, pauses and
/// their doubling are `[sign_in]`'s). An enrolment never followed by a sign-in lapses after
/// `enrolment_code_hours`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct EnrolmentSettings {
    /// Wrong codes from one network address before enrolment from there is paused.
    pub address_max_failures: u32,
    /// Wrong codes from anywhere before all enrolment is paused (someone guessing from many
    /// addresses).
    pub max_failures: u32,
}

impl Default for EnrolmentSettings {
    fn default() -> Self {
        Self {
            address_max_failures: 10,
            max_failures: 100,
        }
    }
}

impl EnrolmentSettings {
    /// Overlay `BEATBOOK_ENROLMENT_ADDRESS_MAX_FAILURES` and `BEATBOOK_ENROLMENT_MAX_FAILURES`.
    pub fn overlay_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        overlay(
            &var,
            "BEATBOOK_ENROLMENT_ADDRESS_MAX_FAILURES",
            &mut self.address_max_failures,
        )?;
        overlay(
            &var,
            "BEATBOOK_ENROLMENT_MAX_FAILURES",
            &mut self.max_failures,
        )?;
        if self.address_max_failures == 0 || self.max_failures == 0 {
            return Err("address_max_failures and max_failures must be at least 1".into());
        }
        Ok(())
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`: never log a password.
pub fn redact_db_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl HqSettings {
    /// The directory photos are kept in (see [`HqSettings::photos_dir`] the field).
    pub fn photos_dir(&self) -> std::path::PathBuf {
        if let Some(dir) = &self.photos_dir {
            return dir.clone();
        }
        match self.db.strip_prefix("sqlite:") {
            Some(path) => {
                let path = std::path::Path::new(path);
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "beatbook-hq".into());
                path.with_file_name(format!("{stem}-photos"))
            }
            None => std::path::PathBuf::from("photos"),
        }
    }

    /// Defaults, overlaid with `file` (TOML) if given, then with `BEATBOOK_LISTEN`, `BEATBOOK_DB`,
    /// `BEATBOOK_PHOTOS_DIR`, `BEATBOOK_SIGN_IN_*` (see [`SignInSettings::overlay_env`]),
    /// `BEATBOOK_TABLET_MAX_AUTO_LOCK_MINUTES` / `BEATBOOK_TABLET_TILE_URL` /
    /// `BEATBOOK_TABLET_KEEP_CLOSED_DAYS`, and `BEATBOOK_RETENTION_*` (see
    /// [`RetentionSettings::overlay_env`]), and `BEATBOOK_FRAMEWORK_PERIODS_ON_TARGET`.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, String> {
        let mut s = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => HqSettings::default(),
        };
        if let Ok(v) = std::env::var("BEATBOOK_LISTEN") {
            s.listen = v
                .parse()
                .map_err(|e| format!("BEATBOOK_LISTEN={v:?}: {e}"))?;
        }
        if let Ok(v) = std::env::var("BEATBOOK_DB") {
            s.db = v;
        }
        if let Ok(v) = std::env::var("BEATBOOK_PHOTOS_DIR") {
            s.photos_dir = Some(v.into());
        }
        if let Ok(v) = std::env::var("BEATBOOK_HQ_KEY_FILE") {
            s.db_key_file =
                Some(v.into()).filter(|p: &std::path::PathBuf| !p.as_os_str().is_empty());
        }
        s.sign_in.overlay_env(|name| std::env::var(name).ok())?;
        if let Ok(v) = std::env::var("BEATBOOK_TABLET_MAX_AUTO_LOCK_MINUTES") {
            s.tablets.max_auto_lock_minutes = v
                .trim()
                .parse()
                .map_err(|e| format!("BEATBOOK_TABLET_MAX_AUTO_LOCK_MINUTES={v:?}: {e}"))?;
        }
        if let Ok(v) = std::env::var("BEATBOOK_TABLET_TILE_URL") {
            s.tablets.tile_url = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Ok(v) = std::env::var("BEATBOOK_TABLET_KEEP_CLOSED_DAYS") {
            s.tablets.keep_closed_days = v.trim().parse().map_err(|_| {
                format!("BEATBOOK_TABLET_KEEP_CLOSED_DAYS={v:?}: give a number of days")
            })?;
        }
        s.tablets.check().map_err(|e| format!("[tablets] {e}"))?;
        s.retention
            .overlay_env(|name| std::env::var(name).ok())
            .map_err(|e| format!("[retention] {e}"))?;
        s.framework
            .overlay_env(|name| std::env::var(name).ok())
            .map_err(|e| format!("[framework] {e}"))?;
        s.access
            .overlay_env(|name| std::env::var(name).ok())
            .map_err(|e| format!("[access] {e}"))?;
        overlay(
            &|name: &str| std::env::var(name).ok(),
            "BEATBOOK_MAX_CLOCK_AHEAD_MINUTES",
            &mut s.max_clock_ahead_minutes,
        )?;
        s.check_clock()?;
        let refresh_token_days = s.refresh_token_days;
        s.sessions
            .overlay_env(|name| std::env::var(name).ok(), refresh_token_days)
            .map_err(|e| format!("[sessions] {e}"))?;
        s.tls
            .overlay_env(|name| std::env::var(name).ok())
            .map_err(|e| format!("[tls] {e}"))?;
        s.connections
            .overlay_env(|name| std::env::var(name).ok())
            .map_err(|e| format!("[connections] {e}"))?;
        s.enrolment
            .overlay_env(|name| std::env::var(name).ok())
            .map_err(|e| format!("[enrolment] {e}"))?;
        s.requests
            .overlay_env(|name| std::env::var(name).ok())
            .map_err(|e| format!("[requests] {e}"))?;
        Ok(s)
    }

    /// Refuse a bound on tablets' clocks that makes no sense, in words.
    pub fn check_clock(&self) -> Result<(), String> {
        if !(1..=1440).contains(&self.max_clock_ahead_minutes) {
            return Err(format!(
                "max_clock_ahead_minutes is {}: it must be 1 to 1440 (a day)",
                self.max_clock_ahead_minutes
            ));
        }
        Ok(())
    }
}

/// Overlay one setting from the environment variable `name` (as `var` reads it), if it is set;
/// a value that does not parse is refused with the variable's name and what was wrong.
fn overlay<T: std::str::FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    field: &mut T,
) -> Result<(), String>
where
    T::Err: std::fmt::Display,
{
    if let Some(v) = var(name) {
        *field = v.trim().parse().map_err(|e| format!("{name}={v:?}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Environment variables as `overlay_env` reads them, from a fixed list.
    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn a_refresh_token_may_not_outlive_the_sign_in() {
        let s = SessionSettings::default();
        assert_eq!(s.absolute_days, 14);
        assert_eq!(HqSettings::default().refresh_token_days, 14);
        s.check(14).unwrap();
        let e = s.check(30).unwrap_err();
        assert!(
            e.contains("refresh_token_days is 30") && e.contains("absolute_days (14)"),
            "{e}"
        );
        let mut s = SessionSettings::default();
        s.overlay_env(env(&[("BEATBOOK_SESSIONS_ABSOLUTE_DAYS", "30")]), 30)
            .unwrap();
        assert_eq!(s.absolute_days, 30);
        let e = SessionSettings { absolute_days: 0 }.check(1).unwrap_err();
        assert!(e.contains("1 to 90"), "{e}");
    }

    #[test]
    fn database_passwords_never_reach_debug_output() {
        let s = HqSettings {
            db: "postgres://hq:s3cret@db.internal:5432/beatbook".into(),
            ..HqSettings::default()
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("hq:***@db.internal"),
            "{shown}"
        );
    }

    #[test]
    fn photos_live_beside_the_sqlite_database_unless_told() {
        let s = HqSettings {
            db: "sqlite:/var/lib/beatbook/hq.db".into(),
            ..HqSettings::default()
        };
        assert_eq!(
            s.photos_dir(),
            std::path::Path::new("/var/lib/beatbook/hq-photos")
        );
        let pg = HqSettings {
            db: "postgres://hq@db/beatbook".into(),
            ..HqSettings::default()
        };
        assert_eq!(pg.photos_dir(), std::path::Path::new("photos"));
        let set = HqSettings {
            photos_dir: Some("/mnt/photos".into()),
            ..pg
        };
        assert_eq!(set.photos_dir(), std::path::Path::new("/mnt/photos"));
    }

    #[test]
    fn a_settings_file_overrides_defaults_and_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hq.toml");
        std::fs::write(
            &f,
            "listen = \"127.0.0.1:9999\"\naccess_token_seconds = 300\n",
        )
        .unwrap();
        let s = HqSettings::load(Some(&f)).unwrap();
        assert_eq!(s.listen.port(), 9999);
        assert_eq!(s.access_token_seconds, 300);
        std::fs::write(&f, "listne = \"127.0.0.1:9999\"\n").unwrap();
        assert!(HqSettings::load(Some(&f)).unwrap_err().contains("listne"));
    }

    #[test]
    fn hq_sets_the_tablets_auto_lock_limit_and_tile_server_and_refuses_never() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hq.toml");
        std::fs::write(
            &f,
            "[tablets]\nmax_auto_lock_minutes = 10\ntile_url = \"https://tiles.example/{z}/{x}/{y}.png\"\n",
        )
        .unwrap();
        let s = HqSettings::load(Some(&f)).unwrap();
        assert_eq!(s.tablets.max_auto_lock_minutes, 10);
        assert_eq!(
            s.tablets.tile_url.as_deref(),
            Some("https://tiles.example/{z}/{x}/{y}.png")
        );
        std::fs::write(&f, "[tablets]\nmax_auto_lock_minutes = 0\n").unwrap();
        let e = HqSettings::load(Some(&f)).unwrap_err();
        assert!(e.contains("always locks"), "{e}");
    }

    #[test]
    fn sign_in_throttling_is_on_by_default_and_set_by_file_or_environment() {
        let d = SignInSettings::default();
        assert_eq!((d.max_failures, d.lockout_seconds), (5, 60));
        assert!(d.check().is_ok());

        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hq.toml");
        std::fs::write(
            &f,
            "[sign_in]\nmax_failures = 3\nlockout_seconds = 30\ntrust_forwarded_for = true\n",
        )
        .unwrap();
        let s = HqSettings::load(Some(&f)).unwrap().sign_in;
        assert_eq!((s.max_failures, s.lockout_seconds), (3, 30));
        assert!(s.trust_forwarded_for);
        assert_eq!(s.client_max_failures, d.client_max_failures);
        std::fs::write(&f, "[sign_in]\nmax_failure = 3\n").unwrap();
        assert!(HqSettings::load(Some(&f))
            .unwrap_err()
            .contains("max_failure"));

        let mut s = SignInSettings::default();
        s.overlay_env(env(&[
            ("BEATBOOK_SIGN_IN_MAX_FAILURES", "8"),
            ("BEATBOOK_SIGN_IN_MAX_LOCKOUT_SECONDS", "7200"),
        ]))
        .unwrap();
        assert_eq!((s.max_failures, s.max_lockout_seconds), (8, 7200));
        let bad = SignInSettings::default()
            .overlay_env(env(&[("BEATBOOK_SIGN_IN_WINDOW_SECONDS", "soon")]))
            .unwrap_err();
        assert!(bad.contains("BEATBOOK_SIGN_IN_WINDOW_SECONDS"), "{bad}");
        // Throttling cannot be switched off by accident.
        let off = SignInSettings::default()
            .overlay_env(env(&[("BEATBOOK_SIGN_IN_MAX_FAILURES", "0")]))
            .unwrap_err();
        assert!(off.contains("max_failures"), "{off}");
    }

    #[test]
    fn tablets_keep_closed_records_for_the_days_hq_sets() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hq.toml");
        assert_eq!(HqSettings::default().tablets.keep_closed_days, 90);
        std::fs::write(&f, "[tablets]\nkeep_closed_days = 30\n").unwrap();
        assert_eq!(
            HqSettings::load(Some(&f)).unwrap().tablets.keep_closed_days,
            30
        );
        std::fs::write(&f, "[tablets]\nkeep_closed_days = 0\n").unwrap();
        let e = HqSettings::load(Some(&f)).unwrap_err();
        assert!(e.contains("keep_closed_days is 0"), "{e}");
    }

    #[test]
    fn actions_close_on_the_figures_after_the_months_the_force_sets() {
        assert_eq!(
            HqSettings::default().framework.periods_on_target,
            beatbook_domain::improvement::DEFAULT_PERIODS_ON_TARGET
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hq.toml");
        std::fs::write(&f, "[framework]\nperiods_on_target = 3\n").unwrap();
        let s = HqSettings::load(Some(&f)).unwrap();
        assert_eq!(s.framework.periods_on_target, 3);
        std::fs::write(&f, "[framework]\nperiods_on_target = 0\n").unwrap();
        let e = HqSettings::load(Some(&f)).unwrap_err();
        assert!(e.contains("periods_on_target is 0"), "{e}");
        std::fs::write(&f, "[framework]\nperiods = 3\n").unwrap();
        assert!(HqSettings::load(Some(&f)).unwrap_err().contains("periods"));

        let mut s = FrameworkSettings::default();
        s.overlay_env(env(&[("BEATBOOK_FRAMEWORK_PERIODS_ON_TARGET", "4")]))
            .unwrap();
        assert_eq!(s.periods_on_target, 4);
        let bad = FrameworkSettings::default()
            .overlay_env(env(&[("BEATBOOK_FRAMEWORK_PERIODS_ON_TARGET", "two")]))
            .unwrap_err();
        assert!(
            bad.contains("BEATBOOK_FRAMEWORK_PERIODS_ON_TARGET"),
            "{bad}"
        );
        let bad = FrameworkSettings::default()
            .overlay_env(env(&[("BEATBOOK_FRAMEWORK_PERIODS_ON_TARGET", "25")]))
            .unwrap_err();
        assert!(bad.contains("1 to 24"), "{bad}");
    }

    #[test]
    fn retention_waits_in_the_queue_unless_the_force_says_dispose() {
        let d = RetentionSettings::default();
        assert_eq!(d.past_review(RecordKind::Concern), PastReview::Queue);
        assert!(d.swept_kinds().is_empty());
        assert_eq!((d.sweep_minutes, d.op_log_text_years), (60, 7));

        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hq.toml");
        std::fs::write(
            &f,
            "[retention]\nsweep_minutes = 15\n[retention.past_review]\npatrol_log = \"dispose\"\nconcern = \"queue\"\n",
        )
        .unwrap();
        let s = HqSettings::load(Some(&f)).unwrap().retention;
        assert_eq!(s.sweep_minutes, 15);
        assert_eq!(s.swept_kinds(), vec![RecordKind::PatrolLog]);
        assert_eq!(s.past_review(RecordKind::Concern), PastReview::Queue);

        // A kind or a choice that does not exist is named in the error.
        std::fs::write(&f, "[retention.past_review]\nconcerns = \"dispose\"\n").unwrap();
        let e = HqSettings::load(Some(&f)).unwrap_err();
        assert!(e.contains("concerns"), "{e}");
        std::fs::write(&f, "[retention.past_review]\nconcern = \"delete\"\n").unwrap();
        let e = HqSettings::load(Some(&f)).unwrap_err();
        assert!(e.contains("delete"), "{e}");
        std::fs::write(&f, "[retention]\nsweep_minutes = 0\n").unwrap();
        let e = HqSettings::load(Some(&f)).unwrap_err();
        assert!(e.contains("sweep_minutes is 0"), "{e}");

        let mut s = RetentionSettings::default();
        s.overlay_env(env(&[
            ("BEATBOOK_RETENTION_PAST_REVIEW_ENGAGEMENT", "dispose"),
            ("BEATBOOK_RETENTION_OP_LOG_TEXT_YEARS", "10"),
        ]))
        .unwrap();
        assert_eq!(s.swept_kinds(), vec![RecordKind::Engagement]);
        assert_eq!(s.op_log_text_years, 10);
        let bad = RetentionSettings::default()
            .overlay_env(env(&[("BEATBOOK_RETENTION_PAST_REVIEW_CONCERN", "erase")]))
            .unwrap_err();
        assert!(bad.contains("use queue or dispose"), "{bad}");
        let bad = RetentionSettings::default()
            .overlay_env(env(&[("BEATBOOK_RETENTION_SWEEP_MINUTES", "hourly")]))
            .unwrap_err();
        assert!(bad.contains("BEATBOOK_RETENTION_SWEEP_MINUTES"), "{bad}");
        let bad = RetentionSettings::default()
            .overlay_env(env(&[("BEATBOOK_RETENTION_ACCESS_LOG_DETAIL_YEARS", "0")]))
            .unwrap_err();
        assert!(bad.contains("access_log_detail_years is 0"), "{bad}");
    }
}
