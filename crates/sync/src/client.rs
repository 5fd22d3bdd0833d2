//! HTTP to HQ: `/api/v1`, JSON bodies, push bodies compressed with zstd, responses decompressed.

use crate::SyncError;
use beatbook_domain::enrolment_code::CaPin;
use beatbook_domain::protocol::{
    codes, ApiErrorBody, DisposalsResponse, EnrolRequest, EnrolResponse, LoginRequest, PushRequest,
    PushResponse, ReadsRequest, ReadsResponse, RefreshRequest, Session, API_PREFIX, HQ_TIME_HEADER,
    PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A JSON body, compressed with zstd when that pays (and whether it was).
fn pack(json: Vec<u8>) -> Result<(Vec<u8>, bool), SyncError> {
    if json.len() > COMPRESS_OVER {
        let packed =
            zstd::encode_all(&json[..], 3).map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok((packed, true))
    } else {
        Ok((json, false))
    }
}

/// A push request's body: ops given as their JSON text (as the outbox holds them), with the
/// body assembled around them, so the device never decodes and re-encodes what it sends; and
/// compressed. Building it is CPU work (milliseconds for a batch of thousands): the engine does
/// it off the async workers, which stay free to carry the requests already on their way.
#[derive(Clone, Debug)]
pub struct PushBody {
    bytes: Vec<u8>,
    zstd: bool,
}

impl PushBody {
    pub fn new(ops: &[(u64, String)]) -> Result<Self, SyncError> {
        let mut json =
            Vec::with_capacity(ops.iter().map(|(_, op)| op.len() + 1).sum::<usize>() + 16);
        json.extend_from_slice(b"{\"ops\":[");
        for (i, (_, op)) in ops.iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            json.extend_from_slice(op.as_bytes());
        }
        json.extend_from_slice(b"]}");
        let (bytes, zstd) = pack(json)?;
        Ok(Self { bytes, zstd })
    }
}

#[derive(Clone, Debug)]
pub struct HqClient {
    pub(crate) http: reqwest::Client,
    base: String,
    /// HQ's certificate authority, when this tablet pinned it at enrolment (see `crate::tls`).
    pin: Option<CaPin>,
    /// HQ's time from the latest answer that carried it, with this device's clock when it
    /// arrived (both ms since the epoch): see [`HqClient::take_hq_time`].
    hq_time: Arc<Mutex<Option<HqTime>>>,
}

/// HQ's clock as an answer gave it, and this device's clock when the answer arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HqTime {
    pub hq_ms: u64,
    pub local_ms: u64,
}

/// This device's clock, ms since the epoch.
fn local_now_ms() -> u64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Bodies below this size go uncompressed: compressing them costs more than it saves.
const COMPRESS_OVER: usize = 1024;

impl HqClient {
    /// A client for HQ at `hq_url`. Plain `http://` is refused except to this machine (see
    /// [`crate::check_hq_url`]). With `pin`, HQ's certificate must verify to the pinned authority
    /// and to it alone; without, to the public authorities.
    pub fn new(hq_url: &str, pin: Option<CaPin>) -> Result<Self, SyncError> {
        crate::check_hq_url(hq_url)?;
        let base = hq_url.trim().trim_end_matches('/').to_owned();
        let builder = match pin {
            Some(pin) => {
                reqwest::Client::builder().use_preconfigured_tls(crate::tls::pinned_config(pin)?)
            }
            None => reqwest::Client::builder(),
        };
        let http = builder
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            // The engine keeps its client between syncs. A connection left idle this long is not
            // reused: on a tablet the signal may have gone and come back since, leaving it dead.
            .pool_idle_timeout(Duration::from_secs(20))
            .tcp_keepalive(Duration::from_secs(15))
            .user_agent(concat!("beatbook-device/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(Self {
            http,
            base,
            pin,
            hq_time: Arc::default(),
        })
    }

    /// Keep HQ's time from an answer's `beatbook-hq-time` header, if it has one.
    pub(crate) fn note_hq_time(&self, headers: &reqwest::header::HeaderMap) {
        let Some(hq_ms) = headers
            .get(HQ_TIME_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
        else {
            return;
        };
        if let Ok(mut t) = self.hq_time.lock() {
            *t = Some(HqTime {
                hq_ms,
                local_ms: local_now_ms(),
            });
        }
    }

    /// HQ's time from the latest answer that carried it since the last call (then forgotten).
    pub fn take_hq_time(&self) -> Option<HqTime> {
        self.hq_time.lock().ok().and_then(|mut t| t.take())
    }

    /// Whether this client talks to `hq_url`, trusting the authority `pin` (or the public ones).
    pub(crate) fn is_for(&self, hq_url: &str, pin: Option<CaPin>) -> bool {
        self.base == hq_url.trim().trim_end_matches('/') && self.pin == pin
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.base)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let bytes = self.send_for_bytes(req).await?;
        serde_json::from_slice(bytes.as_ref()).map_err(|e| SyncError::Protocol(format!("{e}")))
    }

    /// Send, and answer the body of a success or the error HQ gave.
    async fn send_for_bytes(
        &self,
        mut req: reqwest::RequestBuilder,
    ) -> Result<impl AsRef<[u8]>, SyncError> {
        let mut busy = 0;
        loop {
            let again = req.try_clone();
            let resp = req
                .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
                .send()
                .await
                .map_err(|e| network_error(&e))?;
            self.note_hq_time(resp.headers());
            let status = resp.status();
            let wait = crate::engine::retry_after(status, resp.headers());
            let bytes = resp.bytes().await.map_err(|e| network_error(&e))?;
            if status.is_success() {
                return Ok(bytes);
            }
            // HQ busy (503 with `Retry-After`): wait as it asks, with jitter, a few times.
            match (wait, again) {
                (Some(wait), Some(next)) if busy < crate::engine::BUSY_RETRIES => {
                    busy += 1;
                    let delay = crate::engine::busy_delay(wait, &mut rand::thread_rng());
                    tracing::info!(?delay, try_no = busy, "HQ is busy: waiting as it asked");
                    tokio::time::sleep(delay).await;
                    req = next;
                }
                _ => return Err(error_for(status, &bytes).1),
            }
        }
    }

    fn json_body<B: serde::Serialize>(
        req: reqwest::RequestBuilder,
        body: &B,
    ) -> Result<reqwest::RequestBuilder, SyncError> {
        let json = serde_json::to_vec(body).map_err(|e| SyncError::Protocol(e.to_string()))?;
        Self::packed(req.header(CONTENT_TYPE, "application/json"), json)
    }

    /// The body, compressed when that pays.
    fn packed(
        req: reqwest::RequestBuilder,
        json: Vec<u8>,
    ) -> Result<reqwest::RequestBuilder, SyncError> {
        let (bytes, zstd) = pack(json)?;
        Ok(match zstd {
            true => req.header(CONTENT_ENCODING, "zstd").body(bytes),
            false => req.body(bytes),
        })
    }

    pub async fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse, SyncError> {
        self.send(Self::json_body(self.http.post(self.url("/enrol")), req)?)
            .await
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<Session, SyncError> {
        self.send(Self::json_body(self.http.post(self.url("/login")), req)?)
            .await
    }

    /// End this session at HQ: its access and refresh tokens stop working.
    pub async fn logout(&self, token: &str) -> Result<(), SyncError> {
        self.send_for_bytes(self.http.post(self.url("/logout")).bearer_auth(token))
            .await
            .map(|_| ())
    }

    pub async fn refresh(
        &self,
        device_id: beatbook_domain::DeviceId,
        device_secret: &str,
        refresh_token: &str,
    ) -> Result<Session, SyncError> {
        let req = RefreshRequest {
            device_id,
            device_secret: device_secret.to_owned(),
            refresh_token: refresh_token.to_owned(),
        };
        self.send(Self::json_body(
            self.http.post(self.url("/token/refresh")),
            &req,
        )?)
        .await
    }

    pub async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, SyncError> {
        self.send(Self::json_body(
            self.http.post(self.url("/sync/push")).bearer_auth(token),
            req,
        )?)
        .await
    }

    /// Push ops given as a body built ahead (see [`PushBody`]).
    pub async fn push_json(&self, token: &str, body: &PushBody) -> Result<PushResponse, SyncError> {
        let req = self
            .http
            .post(self.url("/sync/push"))
            .bearer_auth(token)
            .header(CONTENT_TYPE, "application/json");
        let req = match body.zstd {
            true => req.header(CONTENT_ENCODING, "zstd"),
            false => req,
        };
        self.send(req.body(body.bytes.clone())).await
    }

    /// Records HQ disposed of after `after`, oldest first: ids only. An HQ from before the
    /// disposals feed answers 404 ("no such endpoint"): then there is nothing to remove (the
    /// cursor stays where it is).
    pub async fn disposals(
        &self,
        token: &str,
        after: u64,
        limit: u32,
    ) -> Result<DisposalsResponse, SyncError> {
        let resp = self
            .http
            .get(self.url("/sync/disposals"))
            .bearer_auth(token)
            .query(&[("after", after), ("limit", u64::from(limit))])
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .send()
            .await
            .map_err(|e| network_error(&e))?;
        self.note_hq_time(resp.headers());
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| network_error(&e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| SyncError::Protocol(format!("HQ's disposals answer: {e}")));
        }
        let (code, err) = error_for(status, &bytes);
        if status == reqwest::StatusCode::NOT_FOUND && (code.is_empty() || code == "not_found") {
            tracing::debug!("HQ has no disposals feed (an older HQ)");
            return Ok(DisposalsResponse {
                records: Vec::new(),
                cursor: after,
                more: false,
            });
        }
        Err(err)
    }

    /// Send the tablet's reads for HQ's access log; answers which HQ has logged.
    pub async fn reads(&self, token: &str, req: &ReadsRequest) -> Result<ReadsResponse, SyncError> {
        self.send(Self::json_body(
            self.http.post(self.url("/sync/reads")).bearer_auth(token),
            req,
        )?)
        .await
    }

    pub async fn pull(&self, token: &str, after: u64, limit: u32) -> Result<PulledPage, SyncError> {
        let req = self
            .http
            .get(self.url("/sync/pull"))
            .bearer_auth(token)
            .query(&[("after", after), ("limit", u64::from(limit))]);
        let bytes = self.send_for_bytes(req).await?;
        let bytes = bytes.as_ref().to_vec();
        // Reading a page of records is CPU work: off the async workers.
        tokio::task::spawn_blocking(move || PulledPage::read(&bytes))
            .await
            .map_err(|e| SyncError::Protocol(format!("reading the pull failed: {e}")))?
    }
}

/// A pull answer (`PullResponse` on the wire) as the device reads it: each record's state with
/// the JSON text it came as, so that a record new to the device is stored as it came, and what
/// the device's lists read from it (see `beatbook_store::Pulled::prepared`).
#[derive(Debug)]
pub struct PulledPage {
    pub records: Vec<beatbook_store::Pulled>,
    pub purge: Vec<beatbook_domain::RecordId>,
    pub cursor: u64,
    pub more: bool,
    pub access: String,
    pub viewer: beatbook_domain::access::Viewer,
}

impl PulledPage {
    fn read(bytes: &[u8]) -> Result<Self, SyncError> {
        #[derive(serde::Deserialize)]
        struct Wire<'a> {
            #[serde(borrow)]
            records: Vec<&'a serde_json::value::RawValue>,
            purge: Vec<beatbook_domain::RecordId>,
            cursor: u64,
            more: bool,
            access: String,
            viewer: beatbook_domain::access::Viewer,
        }
        let bad = |e: serde_json::Error| SyncError::Protocol(format!("HQ's pull answer: {e}"));
        let wire: Wire<'_> = serde_json::from_slice(bytes).map_err(bad)?;
        let records = wire
            .records
            .into_iter()
            .map(|raw| {
                let state = serde_json::from_str(raw.get()).map_err(bad)?;
                // Worked out here, while the page before is written to the store.
                Ok(beatbook_store::Pulled::prepared(
                    state,
                    Some(raw.get().to_owned()),
                ))
            })
            .collect::<Result<_, SyncError>>()?;
        Ok(PulledPage {
            records,
            purge: wire.purge,
            cursor: wire.cursor,
            more: wire.more,
            access: wire.access,
            viewer: wire.viewer,
        })
    }
}

/// The error an unsuccessful answer means, with HQ's code (empty when it sent none).
pub(crate) fn error_for(status: reqwest::StatusCode, bytes: &[u8]) -> (String, SyncError) {
    let body: Option<ApiErrorBody> = serde_json::from_slice(bytes).ok();
    let (code, message) = body.map_or_else(
        || (String::new(), format!("HTTP {status}")),
        |b| (b.code, b.message),
    );
    let err = match code.as_str() {
        codes::DEVICE_REVOKED => SyncError::Revoked,
        codes::TOKEN_EXPIRED | codes::UNAUTHORISED => SyncError::SignInNeeded(message),
        codes::SESSION_ENDED => SyncError::SessionEnded(message),
        codes::VERSION_NOT_SUPPORTED => SyncError::VersionNotSupported,
        // Sign-in paused after wrong passwords: HQ's message says when to try again, and trying
        // sooner does nothing, so it is not retried.
        codes::TOO_MANY_ATTEMPTS => SyncError::Refused(message),
        // A proxy or a restarting HQ: the network is up, HQ is not answering; try again later.
        _ if status.is_server_error() || code.is_empty() => SyncError::HqUnreachable(message),
        _ => SyncError::Refused(message),
    };
    (code, err)
}

/// A request that got no answer: HQ's certificate refused is said as such (not a passing fault);
/// HQ's machine refusing the connection means the network is up and HQ is down; anything else
/// (no route, no name, timed out, cut off) is no signal.
pub(crate) fn network_error(e: &reqwest::Error) -> SyncError {
    if let Some(refusal) = crate::tls::certificate_refusal(e) {
        refusal
    } else if refused(e) {
        SyncError::HqUnreachable("HQ's server refused the connection".into())
    } else {
        SyncError::Offline(short(e))
    }
}

/// Whether anything in the error's chain is a refused TCP connection.
fn refused(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return true;
        }
        cause = c.source();
    }
    false
}

/// A network error in words, without the request's internals.
pub(crate) fn short(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else if e.is_body() || e.is_decode() {
        "the connection broke mid-transfer".into()
    } else {
        "network error".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_closed_port_is_hq_unreachable_not_no_signal() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let e = reqwest::Client::new()
            .get(format!("http://{addr}/"))
            .send()
            .await
            .unwrap_err();
        let err = network_error(&e);
        assert!(matches!(err, SyncError::HqUnreachable(_)), "{err:?}");
        assert_eq!(err.code(), "hq_unreachable");
        assert!(err.is_transient());
    }

    #[tokio::test]
    async fn no_name_lookup_is_no_signal() {
        // `.invalid` never resolves (RFC 2606): as with no signal, HQ's name cannot be looked up.
        let e = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
            .get("http://hq.beatbook.invalid/")
            .send()
            .await
            .unwrap_err();
        let err = network_error(&e);
        assert!(matches!(err, SyncError::Offline(_)), "{err:?}");
        assert_eq!(err.code(), "offline");
    }

    /// An HQ that answers every request with `status` and HQ's time `hq_ms` in its header.
    fn answering(status: &'static str, hq_ms: u64) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for mut sock in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf);
                let body = r#"{"code":"unauthorised","message":"sign in again"}"#;
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{HQ_TIME_HEADER}: {hq_ms}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(answer.as_bytes());
            }
        });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn hqs_time_is_taken_from_every_answer_even_a_refusal() {
        let hq_ms = 1_800_000_000_000;
        let client = HqClient::new(&answering("401 Unauthorized", hq_ms), None).unwrap();
        assert_eq!(client.take_hq_time(), None);
        let before = local_now_ms();
        let e = client.disposals("token", 0, 10).await.unwrap_err();
        assert!(matches!(e, SyncError::SignInNeeded(_)), "{e:?}");
        let seen = client.take_hq_time().unwrap();
        assert_eq!(seen.hq_ms, hq_ms);
        assert!(seen.local_ms >= before && seen.local_ms <= local_now_ms());
        // Taken once.
        assert_eq!(client.take_hq_time(), None);
        let e = client.logout("token").await.unwrap_err();
        assert!(matches!(e, SyncError::SignInNeeded(_)), "{e:?}");
        assert_eq!(client.take_hq_time().map(|t| t.hq_ms), Some(hq_ms));
    }

    /// An HQ that answers its first `busy` requests with 503 and `Retry-After: 0` (a tenth of a second at least), then 204;
    /// and how many requests it has had.
    fn busy_then_free(busy: usize) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = seen.clone();
        std::thread::spawn(move || {
            for mut sock in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf);
                let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let answer = if n < busy {
                    let body = r#"{"code":"busy","message":"HQ is busy with other requests: try again in 1 second"}"#;
                    format!(
                        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n".to_owned()
                };
                let _ = sock.write_all(answer.as_bytes());
            }
        });
        (format!("http://{addr}"), seen)
    }

    #[tokio::test]
    async fn a_busy_hq_is_waited_out_as_it_asks_a_few_times_then_left_to_the_sync_loop() {
        let (url, seen) = busy_then_free(2);
        let client = HqClient::new(&url, None).unwrap();
        client.logout("token").await.unwrap();
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);

        let (url, seen) = busy_then_free(usize::MAX);
        let client = HqClient::new(&url, None).unwrap();
        let e = client.logout("token").await.unwrap_err();
        assert_eq!(
            seen.load(std::sync::atomic::Ordering::SeqCst),
            1 + crate::engine::BUSY_RETRIES as usize
        );
        assert!(matches!(e, SyncError::HqUnreachable(_)), "{e:?}");
        assert!(e.is_transient());
        assert!(e.to_string().contains("HQ is busy"), "{e}");
    }

    #[test]
    fn the_wait_after_busy_is_never_sooner_than_asked_and_spread_out() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let waits: Vec<Duration> = (0..50)
            .map(|_| crate::engine::busy_delay(Duration::from_secs(2), &mut rng))
            .collect();
        assert!(waits
            .iter()
            .all(|w| *w >= Duration::from_secs(2) && *w < Duration::from_secs(3)));
        assert!(waits.iter().any(|w| *w != waits[0]), "jitter: {waits:?}");
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "5".parse().unwrap());
        let busy = reqwest::StatusCode::SERVICE_UNAVAILABLE;
        assert_eq!(
            crate::engine::retry_after(busy, &h),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            crate::engine::retry_after(reqwest::StatusCode::BAD_GATEWAY, &h),
            None
        );
        h.insert(reqwest::header::RETRY_AFTER, "86400".parse().unwrap());
        assert_eq!(
            crate::engine::retry_after(busy, &h),
            Some(crate::engine::LONGEST_RETRY_AFTER)
        );
    }

    #[test]
    fn a_session_hq_ended_is_its_own_error_in_hqs_words() {
        let body = br#"{"code":"session_ended","message":"sign in to sync: your session ended after 14 days"}"#;
        let (code, err) = error_for(reqwest::StatusCode::UNAUTHORIZED, body);
        assert_eq!(code, "session_ended");
        assert!(matches!(err, SyncError::SessionEnded(_)), "{err:?}");
        assert_eq!(err.code(), "session_ended");
        assert!(!err.is_transient());
        assert!(
            err.to_string().starts_with(
                "sign in to sync: your session ended after 14 days; capture carries on"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_server_error_or_a_proxy_page_is_hq_unreachable() {
        let (_, err) = error_for(
            reqwest::StatusCode::BAD_GATEWAY,
            b"<html>Bad gateway</html>",
        );
        assert!(matches!(err, SyncError::HqUnreachable(_)), "{err:?}");
        let body = serde_json::json!({"code": "internal", "message": "something failed"});
        let (_, err) = error_for(
            reqwest::StatusCode::INTERNAL_SERVER_ERROR,
            body.to_string().as_bytes(),
        );
        assert!(matches!(err, SyncError::HqUnreachable(_)), "{err:?}");
        assert!(err.is_transient());
    }

    #[test]
    fn a_paused_sign_in_is_shown_in_words_and_not_retried() {
        let body = serde_json::json!({
            "code": "too_many_attempts",
            "message": "too many wrong passwords for this collar number, so HQ has paused signing in with it. Try again in 2 minutes",
        });
        let (code, err) = error_for(
            reqwest::StatusCode::TOO_MANY_REQUESTS,
            body.to_string().as_bytes(),
        );
        assert_eq!(code, codes::TOO_MANY_ATTEMPTS);
        assert!(matches!(err, SyncError::Refused(_)), "{err:?}");
        assert!(!err.is_transient());
        let words = err.to_string();
        assert!(words.contains("Try again in 2 minutes"), "{words}");
    }
}
