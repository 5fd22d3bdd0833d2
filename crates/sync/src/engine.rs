//! One sync: refresh the token if needed, remove what HQ disposed of (first, before anything
//! else), push the outbox in batches, pull every change since the cursor, and drop what the
//! tablet need not keep. And how long a sync loop waits after each sync, backing off with jitter when offline
//! (the loop itself is the device session's, in `beatbook-device`).

use crate::client::HqClient;
use crate::SyncError;
use beatbook_domain::people::Officer;
use beatbook_domain::protocol::{EnrolRequest, LoginRequest, PushResponse, Session};
use beatbook_store::{Store, StoreError, SyncMeta};
use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, Utc};
use rand::Rng;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Ops per push request.
pub const PUSH_BATCH: usize = 2_000;
/// Push requests on their way at once (see `SyncEngine::push_all`).
pub const PUSH_IN_FLIGHT: usize = 3;

/// Ops in the `n`th push request of a sync (from 0): the first ones are smaller, so that HQ has
/// work as soon as possible and the pipeline fills quickly, then [`PUSH_BATCH`].
pub fn push_batch_size(n: u64) -> usize {
    PUSH_BATCH.min(500 << n.min(8))
}
/// Disposals asked for per request (ids only, so a page is small).
pub const DISPOSAL_PAGE: u32 = 1_000;
/// Reads sent to HQ's access log in one request (HQ takes up to
/// `beatbook_domain::device_reads::MAX_READS_PER_BATCH`).
pub const READS_BATCH: usize = 200;

/// Records per pull page.
pub const PULL_PAGE: u32 = 2_000;

/// Records asked for in the `n`th pull page of a sync (from 0): as with pushes, the first pages
/// are smaller, so that the device starts writing records while HQ sends the next page, then
/// [`PULL_PAGE`].
pub fn pull_page_size(n: u64) -> u32 {
    PULL_PAGE.min(500 << n.min(8))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Progress {
    Pushing {
        sent: u64,
        total: u64,
    },
    Pulling {
        received: u64,
    },
    /// Photos sent after the records (their bytes, resumed where HQ's copy ends).
    Photos {
        uploaded: u64,
        total: u64,
    },
}

/// What one sync moved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pushed: u64,
    pub acked: u64,
    pub rejected: u64,
    pub resent: u64,
    pub pulled: u64,
    pub purged: u64,
    /// Records removed because HQ disposed of them (asked for first, before the push and pull).
    pub disposed: u64,
    /// Records dropped from this tablet because it need not keep them (closed and older than
    /// HQ's window); HQ still holds them.
    pub dropped: u64,
    pub pending: u64,
    pub cursor: u64,
    /// HQ changed what this officer may see, so the pull started again from the beginning.
    pub access_reset: bool,
    /// Wall-clock time of each phase, in milliseconds.
    pub push_ms: u64,
    pub pull_ms: u64,
    /// Adding the pulled records to the search index, after the pull (a search made meanwhile
    /// indexes what is still waiting first, so it never misses a record), and copying the
    /// pull's writes from the WAL into the database file.
    pub index_ms: u64,
    /// Photos sent after the push; a photo that failed does not fail the sync.
    pub photos: crate::PhotoReport,
    /// The officer's reads HQ wrote into its access log, now gone from the tablet.
    pub reads_sent: u64,
}

/// What the UI shows at all times.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub signed_in: bool,
    pub hq_url: Option<String>,
    pub pending: u64,
    pub rejected: u64,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub cursor: u64,
    /// Photos only on this device (kept until HQ has verified them).
    pub pending_photos: u64,
    /// How far this tablet's clock is ahead of HQ's in milliseconds (negative: behind), as
    /// learnt at the last answer from HQ; `None` before the first.
    pub clock_ahead_ms: Option<i64>,
}

#[derive(Clone)]
pub struct SyncEngine {
    store: Arc<Mutex<Store>>,
    photo_chunk: usize,
    /// One HTTP client per HQ address, kept between syncs: its connections stay open and its TLS
    /// set-up (parsing the root certificates) is done once, not on every sync.
    client: Arc<Mutex<Option<HqClient>>>,
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// How long a background sync loop waits after a sync that ended with `result`: `interval` after
/// a success or an error a person must fix, a shorter backoff with jitter after a passing one (no
/// signal, HQ restarting; `attempt` counts them), and `None` once the device is revoked.
pub fn wait_after<T>(
    result: &Result<T, SyncError>,
    attempt: &mut u32,
    interval: Duration,
) -> Option<Duration> {
    Some(match result {
        Ok(_) => {
            *attempt = 0;
            interval
        }
        Err(SyncError::Revoked) => return None,
        Err(e) if e.is_transient() => {
            *attempt = attempt.saturating_add(1);
            backoff_delay(
                *attempt,
                Duration::from_secs(2),
                interval,
                &mut rand::thread_rng(),
            )
        }
        Err(_) => interval,
    })
}

/// Exponential backoff with jitter: `base * 2^attempt`, capped at `max`, scaled by a random
/// factor in [0.5, 1.0) so devices that lost signal together do not all retry together.
pub fn backoff_delay(attempt: u32, base: Duration, max: Duration, rng: &mut impl Rng) -> Duration {
    let exp = base.saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX));
    exp.min(max).mul_f64(rng.gen_range(0.5..1.0))
}

/// How many times one request waits out HQ's `503` + `Retry-After` before the sync gives up
/// (and the background loop's backoff takes over).
pub const BUSY_RETRIES: u32 = 3;

/// The longest `Retry-After` honoured as given; a longer one is waited out by the sync loop.
pub const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(60);

/// HQ's `Retry-After` (in seconds) on a `503`: when to try again. `None` for any other answer,
/// or one without it (a proxy's 503 is a server error like any other).
pub fn retry_after(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
) -> Option<Duration> {
    if status != reqwest::StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let seconds: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(LONGEST_RETRY_AFTER))
}

/// How long to wait after HQ said `Retry-After: wait`: never sooner, and up to half as long
/// again at random, so tablets told the same do not all come back at once.
pub fn busy_delay(wait: Duration, rng: &mut impl Rng) -> Duration {
    wait.max(Duration::from_millis(100))
        .mul_f64(rng.gen_range(1.0..1.5))
}

impl SyncEngine {
    pub fn new(store: Arc<Mutex<Store>>) -> Self {
        Self {
            store,
            photo_chunk: crate::PHOTO_CHUNK,
            client: Arc::default(),
        }
    }

    /// The HTTP client for `hq_url`: the one kept from an earlier call when it is for the same
    /// address, a new one otherwise.
    pub(crate) fn client(&self, hq_url: &str) -> Result<HqClient, SyncError> {
        let mut kept = self
            .client
            .lock()
            .map_err(|_| SyncError::Protocol("the HTTP client's lock was poisoned".into()))?;
        if let Some(client) = kept.as_ref().filter(|c| c.is_for(hq_url)) {
            return Ok(client.clone());
        }
        let client = HqClient::new(hq_url)?;
        *kept = Some(client.clone());
        Ok(client)
    }

    /// Upload photos in chunks of `bytes` (tests use small ones to see resuming).
    pub fn with_photo_chunk(mut self, bytes: usize) -> Self {
        self.photo_chunk = bytes.max(1);
        self
    }

    pub(crate) fn photo_chunk(&self) -> usize {
        self.photo_chunk
    }

    /// Run `f` on the store on a blocking thread.
    pub(crate) async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, SyncError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| StoreError::Corrupt("store lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| SyncError::Protocol(format!("store task failed: {e}")))?
        .map_err(SyncError::from)
    }

    /// Take in HQ's time from the latest answer that carried it (see
    /// [`beatbook_store::Store::learn_hq_time`]): the tablet's clock moves forward to it and its
    /// changes are stamped by it. Nothing when no answer came.
    async fn learn_hq_time(&self) -> Result<(), SyncError> {
        let seen = self
            .client
            .lock()
            .ok()
            .and_then(|c| c.as_ref().and_then(HqClient::take_hq_time));
        match seen {
            Some(t) => {
                self.with_store(move |s| s.learn_hq_time(t.hq_ms, t.local_ms))
                    .await
            }
            None => Ok(()),
        }
    }

    async fn meta(&self) -> Result<SyncMeta, SyncError> {
        self.with_store(|s| s.sync_meta()).await
    }

    async fn save_meta(&self, meta: SyncMeta) -> Result<(), SyncError> {
        self.with_store(move |s| s.set_sync_meta(&meta)).await
    }

    /// Enrol this device with HQ using a one-time code.
    pub async fn enrol(
        &self,
        hq_url: &str,
        code: &str,
        device_name: &str,
    ) -> Result<(), SyncError> {
        let client = self.client(hq_url)?;
        let device_id = self.with_store(|s| Ok(s.device_id())).await?;
        let resp = client
            .enrol(&EnrolRequest {
                code: code.to_owned(),
                device_id,
                device_name: device_name.to_owned(),
                app_version: env!("CARGO_PKG_VERSION").to_owned(),
            })
            .await?;
        if resp.device_id != device_id {
            return Err(SyncError::Protocol(
                "HQ enrolled a different device id".into(),
            ));
        }
        let mut meta = self.meta().await?;
        meta.hq_url = Some(hq_url.trim_end_matches('/').to_owned());
        meta.device_secret = Some(resp.device_secret);
        meta.access_token = None;
        meta.refresh_token = None;
        self.save_meta(meta).await
    }

    /// Sign an officer in (online, once); later syncs use the tokens kept in the store.
    pub async fn login(&self, collar_number: &str, password: &str) -> Result<Officer, SyncError> {
        let meta = self.meta().await?;
        let (Some(url), Some(secret)) = (meta.hq_url.clone(), meta.device_secret.clone()) else {
            return Err(SyncError::NotEnrolled);
        };
        let device_id = self.with_store(|s| Ok(s.device_id())).await?;
        let session = self
            .client(&url)?
            .login(&LoginRequest {
                device_id,
                device_secret: secret,
                collar_number: collar_number.to_owned(),
                password: password.to_owned(),
            })
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "sign-in failed"))?;
        let officer = session.officer.clone();
        self.keep_session(session).await?;
        self.learn_hq_time().await?;
        Ok(officer)
    }

    /// Sign the officer out: HQ ends the session (when it can be reached) and the device forgets
    /// its tokens, so the next sync needs a sign-in. Records and the outbox stay. Answers whether
    /// HQ was told; when it was not, the session lapses at HQ when its tokens expire.
    pub async fn sign_out(&self) -> Result<bool, SyncError> {
        let meta = self.meta().await?;
        let told_hq = match (&meta.hq_url, &meta.access_token) {
            (Some(url), Some(token)) => self.client(url)?.logout(token).await.is_ok(),
            _ => false,
        };
        self.with_store(|s| {
            let mut meta = s.sync_meta()?;
            meta.access_token = None;
            meta.access_expires_at = None;
            meta.refresh_token = None;
            s.set_sync_meta(&meta)
        })
        .await?;
        Ok(told_hq)
    }

    async fn keep_session(&self, session: Session) -> Result<(), SyncError> {
        self.with_store(move |s| {
            s.adopt_officer(&session.officer.id)?;
            s.set_areas(session.areas.clone())?;
            // The officer and their teams as HQ names them, for the app's shift screen.
            s.set_profile(&beatbook_domain::tablet::OfficerProfile {
                officer: session.officer.clone(),
                teams: session.teams.clone(),
            })?;
            // What HQ decides for tablets (auto-lock limit, tile server), renewed every sign-in.
            s.set_tablet_policy(&session.tablets)?;
            let mut meta = s.sync_meta()?;
            meta.access_token = Some(session.access_token);
            meta.access_expires_at = Some(session.access_expires_at.to_rfc3339());
            meta.refresh_token = Some(session.refresh_token);
            s.set_sync_meta(&meta)
        })
        .await
    }

    /// A usable access token: refreshed when it is about to expire.
    pub(crate) async fn token(
        &self,
        client: &HqClient,
        force_refresh: bool,
    ) -> Result<String, SyncError> {
        let meta = self.meta().await?;
        let expiring = meta
            .access_expires_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .is_none_or(|t| t.with_timezone(&Utc) < Utc::now() + ChronoDuration::seconds(60));
        match (meta.access_token, meta.refresh_token, meta.device_secret) {
            (Some(token), _, _) if !expiring && !force_refresh => Ok(token),
            (_, Some(refresh), Some(secret)) => {
                let device_id = self.with_store(|s| Ok(s.device_id())).await?;
                let session = client.refresh(device_id, &secret, &refresh).await?;
                let token = session.access_token.clone();
                self.keep_session(session).await?;
                Ok(token)
            }
            _ => Err(SyncError::SignInNeeded("no session on this device".into())),
        }
    }

    /// Sync now: remove what HQ disposed of, push everything waiting, then pull everything new.
    /// Progress goes to `progress`.
    pub async fn sync_once(
        &self,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<SyncReport, SyncError> {
        let result = self.sync_inner(progress).await;
        let outcome = result.as_ref().map(|_| ()).map_err(|e| e.to_string());
        if let Err(SyncError::Revoked) = result {
            // The store is gone; nothing to record in it.
            return result;
        }
        // Whatever the sync's outcome, every answer HQ gave carried its time.
        self.learn_hq_time().await?;
        self.with_store(move |s| {
            let mut meta = s.sync_meta()?;
            match outcome {
                Ok(()) => {
                    meta.last_success = Some(now_text());
                    meta.last_error = None;
                }
                Err(e) => meta.last_error = Some(e),
            }
            s.set_sync_meta(&meta)
        })
        .await?;
        result
    }

    async fn sync_inner(
        &self,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<SyncReport, SyncError> {
        let meta = self.meta().await?;
        let (Some(url), Some(_)) = (meta.hq_url.clone(), meta.device_secret.clone()) else {
            return Err(SyncError::NotEnrolled);
        };
        let began = std::time::Instant::now();
        let client = self.client(&url)?;
        let mut token = self.token(&client, false).await?;
        let token_at = began.elapsed();
        let mut report = SyncReport::default();
        // Disposals first, before anything is pushed or pulled: a tablet offline for weeks
        // removes what HQ disposed of meanwhile before it does anything else.
        match self.dispose_all(&client, &mut token, &mut report).await {
            Err(SyncError::Revoked) => return Err(self.revoked().await),
            other => other?,
        }
        let started = std::time::Instant::now();
        match self
            .push_all(&client, &mut token, &mut report, progress)
            .await
        {
            Err(SyncError::Revoked) => return Err(self.revoked().await),
            other => other?,
        }
        report.push_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match self.send_reads(&client, &mut token, &mut report).await {
            Err(SyncError::Revoked) => return Err(self.revoked().await),
            other => other?,
        }
        let push_at = began.elapsed();
        report.photos = self.upload_photos(&client, &mut token, progress).await;
        let photos_at = began.elapsed();
        let started = std::time::Instant::now();
        match self
            .pull_all(&client, &mut token, meta.pull_cursor, &mut report, progress)
            .await
        {
            Err(SyncError::Revoked) => return Err(self.revoked().await),
            other => other?,
        }
        report.pull_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let started = std::time::Instant::now();
        // Records the tablet need not keep any more (closed, and older than HQ's window) go,
        // before they are indexed.
        report.dropped += u64::from(self.with_store(|s| s.thin(Utc::now())).await?);
        // In chunks, each its own short transaction, so the app's own reads and writes get the
        // store in between.
        let mut indexed = 0;
        loop {
            let n = self
                .with_store(|s| s.index_pending(beatbook_store::INDEX_CHUNK))
                .await?;
            if n == 0 {
                break;
            }
            indexed += n;
        }
        // What this sync erased (an acknowledged source, a record no longer visible or kept)
        // leaves the search index's own tables, and the WAL is emptied (see the store).
        let finished = self.with_store(|s| s.finish_erasure()).await?;
        // And the pull's writes go from the WAL into the database file (see the store). A sync
        // that brought nothing leaves that to SQLite's own automatic checkpoint.
        if !finished && (report.pulled > 0 || report.purged > 0 || indexed > 0) {
            self.with_store(|s| s.checkpoint()).await?;
        }
        report.index_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let index_at = began.elapsed();
        report.pending = self.with_store(|s| s.pending_count()).await?;
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        tracing::debug!(
            token_ms = ms(token_at),
            push_ms = ms(push_at - token_at),
            photos_ms = ms(photos_at - push_at),
            pull_and_index_ms = ms(index_at - photos_at),
            rest_ms = ms(began.elapsed() - index_at),
            "sync phases"
        );
        Ok(report)
    }

    /// HQ revoked this device: wipe it.
    async fn revoked(&self) -> SyncError {
        match self.with_store(|s| s.wipe_in_place()).await {
            Ok(()) => SyncError::Revoked,
            Err(e) => e,
        }
    }

    /// Read HQ's disposals feed from the cursor until nothing more waits, applying each page with
    /// its cursor in one store transaction, then finish the erasure (search index optimised, WAL
    /// emptied). A cut part way resumes from the last page applied.
    async fn dispose_all(
        &self,
        client: &HqClient,
        token: &mut String,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let mut cursor = self.meta().await?.disposal_cursor;
        loop {
            let page = match client.disposals(token, cursor, DISPOSAL_PAGE).await {
                Err(SyncError::SignInNeeded(_)) => {
                    *token = self.token(client, true).await?;
                    client.disposals(token, cursor, DISPOSAL_PAGE).await
                }
                other => other,
            }?;
            if page.cursor < cursor {
                return Err(SyncError::Protocol(
                    "HQ's disposals cursor went backwards".into(),
                ));
            }
            let more = page.more && page.cursor > cursor;
            cursor = page.cursor;
            let removed = self
                .with_store(move |s| s.apply_disposals(&page.records, page.cursor))
                .await?;
            report.disposed += u64::from(removed);
            if !more {
                break;
            }
        }
        self.with_store(|s| s.finish_erasure()).await?;
        Ok(())
    }

    /// Push the outbox in batches, pipelined: up to [`PUSH_IN_FLIGHT`] batches are on their way
    /// at once, so HQ reads the next batch while it writes one, and the device records each
    /// answer and reads the next batch meanwhile. HQ applies a device's pushes in the order of
    /// their ops (and refuses one that arrives past a gap, to be sent again).
    ///
    /// Answers are recorded in the order the batches were sent. When an answer shows a gap or
    /// that HQ lost ops it had acknowledged, nothing new is sent until the batches already on
    /// their way are answered (those may be answered "gap" too, or applied, if HQ had what it
    /// needed); then pushing starts again from the oldest op still waiting.
    async fn push_all(
        &self,
        client: &HqClient,
        token: &mut String,
        report: &mut SyncReport,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<(), SyncError> {
        type Sent = tokio::task::JoinHandle<(Result<PushResponse, SyncError>, String)>;
        let total = self.with_store(|s| s.pending_count()).await?;
        // Enough sends for every batch twice over, plus a few for gaps; never loop forever.
        let max_sends = 2 * (total / PUSH_BATCH as u64) + 8;
        let mut sends = 0u64;
        // Batches on their way: the request, how many ops, and whether it was sent before an
        // answer asked to start again.
        let mut in_flight: std::collections::VecDeque<(Sent, u64, bool)> = Default::default();
        let mut after = 0u64;
        let mut read_all = false;
        let mut restarting = false;
        let mut next: Option<Vec<(u64, String)>> = None;
        let result = 'pushing: loop {
            // Fill the pipeline.
            while in_flight.len() < PUSH_IN_FLIGHT && !read_all && !restarting {
                let batch = match next.take() {
                    Some(b) => b,
                    None => match self
                        .with_store(move |s| s.pending_ops_json(after, push_batch_size(sends)))
                        .await
                    {
                        Ok(b) => b,
                        Err(e) => break 'pushing Err(e),
                    },
                };
                let Some(&(last, _)) = batch.last() else {
                    read_all = true;
                    break;
                };
                if sends >= max_sends {
                    read_all = true;
                    break;
                }
                sends += 1;
                after = last;
                let n = batch.len() as u64;
                let (engine, client, mut token) = (self.clone(), client.clone(), token.clone());
                let sent: Sent = tokio::spawn(async move {
                    let started = std::time::Instant::now();
                    let r = engine.push_batch(&client, &mut token, batch).await;
                    tracing::debug!(
                        ops = n,
                        http_ms = started.elapsed().as_secs_f64() * 1e3,
                        "push batch"
                    );
                    (r, token)
                });
                in_flight.push_back((sent, n, false));
            }
            let Some((sent, answered, stale)) = in_flight.pop_front() else {
                break Ok(());
            };
            let (resp, newer_token) = match sent.await {
                Ok(r) => r,
                Err(e) => break Err(SyncError::Protocol(format!("push task failed: {e}"))),
            };
            *token = newer_token;
            let resp = match resp {
                Ok(r) => r,
                Err(e) => break Err(e),
            };
            // Record this answer while the next batch is read (and the one after this is
            // still on its way).
            let (results, expected) = (resp.results, resp.expected_seq);
            let read_next = !read_all && !restarting && next.is_none();
            let (applied, more) = tokio::join!(
                self.with_store(move |s| s.apply_push_results(&results, expected)),
                async {
                    if read_next {
                        let size = push_batch_size(sends);
                        Some(
                            self.with_store(move |s| s.pending_ops_json(after, size))
                                .await,
                        )
                    } else {
                        None
                    }
                }
            );
            let applied = match applied {
                Ok(a) => a,
                Err(e) => break Err(e),
            };
            match more {
                Some(Ok(b)) => next = Some(b),
                Some(Err(e)) => break Err(e),
                None => {}
            }
            report.pushed += answered;
            report.acked += u64::from(applied.acked);
            report.rejected += u64::from(applied.rejected);
            report.resent += u64::from(applied.resent);
            progress(Progress::Pushing {
                sent: report.acked + report.rejected,
                total,
            });
            let settled = applied.acked + applied.rejected + applied.disposed;
            if settled == 0 && applied.resent == 0 && !stale {
                break Err(SyncError::Protocol(
                    "HQ accepted none of the ops sent: will try again".into(),
                ));
            }
            if settled != u32::try_from(answered).unwrap_or(0) || applied.resent > 0 {
                // A gap, or HQ asked for ops again: start over from the oldest op waiting, once
                // the batches already on their way (sent before this answer) are answered.
                restarting = true;
                next = None;
                for (_, _, stale) in in_flight.iter_mut() {
                    *stale = true;
                }
            }
            if restarting && in_flight.is_empty() {
                restarting = false;
                read_all = false;
                after = 0;
            }
        };
        // On an error, whatever is still on its way is dropped: HQ keeps what it applied, and
        // the next sync sends the rest again (a push is idempotent).
        for (sent, _, _) in in_flight {
            sent.abort();
        }
        result
    }

    /// Send the officer's reads (the store's read log) to HQ's access log in batches, oldest
    /// first; each batch HQ acknowledges leaves the tablet. A batch whose answer is lost is sent
    /// again next time and HQ does not log it twice. HQ refusing a batch (a bug: the tablet
    /// sends only what HQ takes) does not stop the sync: the reads stay and go later.
    async fn send_reads(
        &self,
        client: &HqClient,
        token: &mut String,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        // Never loop for ever: enough rounds for what is waiting now.
        let waiting = self.with_store(|s| s.pending_read_count()).await?;
        let rounds = waiting / READS_BATCH as u64 + 2;
        for _ in 0..rounds {
            let reads = self.with_store(|s| s.pending_reads(READS_BATCH)).await?;
            if reads.is_empty() {
                break;
            }
            let req = beatbook_domain::protocol::ReadsRequest { reads };
            let answer = match client.reads(token, &req).await {
                Err(SyncError::SignInNeeded(_)) => {
                    *token = self.token(client, true).await?;
                    client.reads(token, &req).await
                }
                other => other,
            };
            let answer = match answer {
                Err(SyncError::Refused(why)) => {
                    tracing::warn!(%why, "HQ refused the tablet's reads; they stay for the next sync");
                    break;
                }
                other => other?,
            };
            let acked = answer.acknowledged;
            let gone = self
                .with_store(move |s| s.reads_acknowledged(&acked))
                .await?;
            report.reads_sent += u64::from(gone);
            if gone == 0 {
                break;
            }
        }
        Ok(())
    }

    async fn push_batch(
        &self,
        client: &HqClient,
        token: &mut String,
        batch: Vec<(u64, String)>,
    ) -> Result<PushResponse, SyncError> {
        let body = tokio::task::spawn_blocking(move || crate::client::PushBody::new(&batch))
            .await
            .map_err(|e| SyncError::Protocol(format!("building the push failed: {e}")))??;
        match client.push_json(token, &body).await {
            Err(SyncError::SignInNeeded(_)) => {
                *token = self.token(client, true).await?;
                client.push_json(token, &body).await
            }
            other => other,
        }
    }

    async fn pull_page(
        &self,
        client: &HqClient,
        token: &mut String,
        cursor: u64,
        limit: u32,
    ) -> Result<crate::client::PulledPage, SyncError> {
        let started = std::time::Instant::now();
        let page = match client.pull(token, cursor, limit).await {
            Err(SyncError::SignInNeeded(_)) => {
                *token = self.token(client, true).await?;
                client.pull(token, cursor, limit).await
            }
            other => other,
        };
        tracing::debug!(
            fetch_ms = started.elapsed().as_secs_f64() * 1e3,
            "pull page fetched"
        );
        page
    }

    /// Pull every change after the cursor, pipelined: the next page is fetched while this one is
    /// applied (each page and its cursor in one local transaction, so a cut resumes cleanly).
    async fn pull_all(
        &self,
        client: &HqClient,
        token: &mut String,
        mut cursor: u64,
        report: &mut SyncReport,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<(), SyncError> {
        let mut known_access = self.meta().await?.access;
        let mut fetched = None;
        let mut pages = 0u64;
        loop {
            let page = match fetched.take() {
                Some(page) => page,
                None => {
                    let size = pull_page_size(pages);
                    pages += 1;
                    self.pull_page(client, token, cursor, size).await?
                }
            };
            if known_access.as_ref().is_some_and(|a| a != &page.access) && cursor > 0 {
                // What this officer may see changed at HQ: drop what they may no longer see and
                // start again from the beginning, so newly visible records arrive.
                let (viewer, access) = (page.viewer.clone(), page.access.clone());
                let purged = self
                    .with_store(move |s| s.reset_access(&viewer, &access))
                    .await?;
                report.purged += u64::from(purged);
                known_access = Some(page.access);
                cursor = 0;
                report.access_reset = true;
                continue;
            }
            known_access = Some(page.access.clone());
            if page.cursor < cursor {
                return Err(SyncError::Protocol("HQ's cursor went backwards".into()));
            }
            let n = page.records.len() as u64;
            let more = page.more;
            cursor = page.cursor;
            let started = std::time::Instant::now();
            let apply = async {
                let r = self
                    .with_store(move |s| {
                        s.apply_pull(&page.records, &page.purge, page.cursor, &page.access)
                    })
                    .await;
                tracing::debug!(
                    records = n,
                    apply_ms = started.elapsed().as_secs_f64() * 1e3,
                    "pull page applied"
                );
                r
            };
            let applied = if more {
                let size = pull_page_size(pages);
                pages += 1;
                let next = self.pull_page(client, token, cursor, size);
                let (applied, next) = tokio::join!(apply, next);
                // A failed fetch of the next page is retried on the next round; this page stands.
                fetched = next.ok();
                applied?
            } else {
                apply.await?
            };
            report.pulled += n;
            report.purged += u64::from(applied.purged);
            report.dropped += u64::from(applied.dropped);
            report.cursor = cursor;
            progress(Progress::Pulling {
                received: report.pulled,
            });
            if !more {
                return Ok(());
            }
        }
    }

    pub async fn status(&self) -> Result<SyncStatus, SyncError> {
        self.with_store(|s| {
            let meta = s.sync_meta()?;
            Ok(SyncStatus {
                enrolled: meta.device_secret.is_some(),
                signed_in: meta.refresh_token.is_some(),
                hq_url: meta.hq_url,
                pending: s.pending_count()?,
                rejected: s.rejected_ops()?.len() as u64,
                last_success: meta.last_success,
                last_error: meta.last_error,
                cursor: meta.pull_cursor,
                pending_photos: s.pending_photo_count()?,
                clock_ahead_ms: s.clock_ahead_of_hq_ms()?,
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let base = Duration::from_secs(2);
        let max = Duration::from_secs(60);
        let d1 = backoff_delay(1, base, max, &mut rng);
        assert!(
            d1 >= Duration::from_secs(2) && d1 < Duration::from_secs(4),
            "{d1:?}"
        );
        let d10 = backoff_delay(10, base, max, &mut rng);
        assert!(d10 >= Duration::from_secs(30) && d10 < max, "{d10:?}");
        let samples: std::collections::BTreeSet<_> = (0..20)
            .map(|_| backoff_delay(3, base, max, &mut rng))
            .collect();
        assert!(samples.len() > 10, "jitter spreads retries");
    }
}
