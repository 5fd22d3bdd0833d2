//! A seeded, fault-injecting TCP proxy for Beatbook's end-to-end sync tests.
//!
//! The proxy listens on `127.0.0.1:0` and forwards every accepted connection to a loopback
//! upstream (the HQ server). Each connection gets exactly one [`Fault`], chosen when it is
//! accepted from the seed and the connection's index alone ([`FaultSettings::fault_for`]), so a
//! seed reproduces the same fault sequence however the connections are timed. HTTP/1.1 keeps
//! connections alive, so a "request" here is simply the bytes of one TCP connection.
//!
//! Everything stops by itself: a connection lives at most [`CONNECTION_MAX_LIFETIME`], the
//! accept loop at most [`PROXY_MAX_LIFETIME`], and dropping the [`FaultProxy`] stops the accept
//! loop and every connection task. Only loopback addresses are ever connected to. I/O errors
//! never panic and are never logged; they are counted in [`FaultStats`].

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{sleep, timeout};

/// A proxied connection (both directions, any replay included) is closed after this long.
pub const CONNECTION_MAX_LIFETIME: Duration = Duration::from_secs(30);
/// The accept loop stops after this long even if the [`FaultProxy`] is never dropped.
pub const PROXY_MAX_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// A burst of bytes ends when its sender half-closes or sends nothing new for this long.
pub const BURST_IDLE: Duration = Duration::from_millis(50);

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REPLAY_RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);
const DRAIN_TIMEOUT: Duration = Duration::from_millis(250);
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BURST: usize = 16 * 1024 * 1024;
const MAX_CONNECTIONS: usize = 512;
const MAX_FAULT_LOG: usize = 100_000;
const BUF_SIZE: usize = 16 * 1024;

/// Per-connection fault probabilities. Each is clamped to `0.0..=1.0` (NaN counts as 0); they
/// are tried in field order against one uniform roll, so if they sum past 1 the later ones get
/// only what is left, and if they sum below 1 the rest of the connections pass clean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultSettings {
    pub seed: u64,
    /// Accept, then close at once without connecting upstream or forwarding anything.
    pub drop_connection: f64,
    /// Forward, but sleep a random `1..=max_delay_ms` before each direction's first bytes.
    pub delay: f64,
    /// Forward only a random strict prefix of the client's first burst, then close both sides.
    pub cut_request: f64,
    /// Forward the request in full, but only a random strict prefix of the upstream's first
    /// burst back to the client, then close both sides.
    pub cut_response: f64,
    /// Forward normally, and replay the client's first burst on a second upstream connection
    /// whose response is read and discarded; the client sees only the first response.
    pub duplicate_request: f64,
    pub max_delay_ms: u64,
}

impl FaultSettings {
    /// No faults: every byte passes through unchanged.
    pub fn none(seed: u64) -> Self {
        FaultSettings {
            seed,
            drop_connection: 0.0,
            delay: 0.0,
            cut_request: 0.0,
            cut_response: 0.0,
            duplicate_request: 0.0,
            max_delay_ms: 0,
        }
    }

    /// Each fault with probability 0.1 (half the connections pass clean), delays up to 200 ms.
    pub fn chaos(seed: u64) -> Self {
        FaultSettings {
            seed,
            drop_connection: 0.1,
            delay: 0.1,
            cut_request: 0.1,
            cut_response: 0.1,
            duplicate_request: 0.1,
            max_delay_ms: 200,
        }
    }

    /// The fault connection number `index` (0-based, counting connections accepted while
    /// online) gets under these settings. Pure: depends only on the settings and `index`.
    pub fn fault_for(&self, index: u64) -> Fault {
        let mut rng = StdRng::seed_from_u64(splitmix64(self.seed ^ splitmix64(index)));
        // Always draw the same values in the same order, whatever the outcome.
        let roll: f64 = rng.gen();
        let max = self.max_delay_ms;
        let mut delay_ms = || if max == 0 { 0 } else { rng.gen_range(1..=max) };
        let client_to_server_ms = delay_ms();
        let server_to_client_ms = delay_ms();
        let keep_fraction: f64 = rng.gen();

        let mut edge = probability(self.drop_connection);
        if roll < edge {
            return Fault::DropConnection;
        }
        edge += probability(self.delay);
        if roll < edge {
            return Fault::Delay {
                client_to_server_ms,
                server_to_client_ms,
            };
        }
        edge += probability(self.cut_request);
        if roll < edge {
            return Fault::CutRequest { keep_fraction };
        }
        edge += probability(self.cut_response);
        if roll < edge {
            return Fault::CutResponse { keep_fraction };
        }
        edge += probability(self.duplicate_request);
        if roll < edge {
            return Fault::DuplicateRequest;
        }
        Fault::Clean
    }
}

/// What the proxy did (or does) to one connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    Clean,
    DropConnection,
    Delay {
        client_to_server_ms: u64,
        server_to_client_ms: u64,
    },
    /// Keeps `floor(len * keep_fraction)` bytes (always fewer than `len`) of the client's first
    /// burst.
    CutRequest {
        keep_fraction: f64,
    },
    /// Keeps `floor(len * keep_fraction)` bytes (always fewer than `len`) of the upstream's
    /// first burst.
    CutResponse {
        keep_fraction: f64,
    },
    DuplicateRequest,
}

/// Counters of what happened, cheap to copy; `Display` prints them with the seed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// The seed of the settings in force now.
    pub seed: u64,
    /// Connections accepted while online; each got a fault index and one of the faults below.
    pub connections: u64,
    pub clean: u64,
    pub dropped: u64,
    pub delayed: u64,
    pub cut_request: u64,
    pub cut_response: u64,
    pub duplicated: u64,
    /// Connections closed at once because the proxy was offline (or had too many open).
    pub refused: u64,
    /// Upstream connections (primary or replay) that could not be opened.
    pub upstream_errors: u64,
    /// Other I/O errors: failed accepts, resets, failed writes.
    pub io_errors: u64,
    /// Connections closed because they reached [`CONNECTION_MAX_LIFETIME`].
    pub timed_out: u64,
}

impl fmt::Display for FaultStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed={} connections={} clean={} dropped={} delayed={} cut_request={} \
             cut_response={} duplicated={} refused={} upstream_errors={} io_errors={} timed_out={}",
            self.seed,
            self.connections,
            self.clean,
            self.dropped,
            self.delayed,
            self.cut_request,
            self.cut_response,
            self.duplicated,
            self.refused,
            self.upstream_errors,
            self.io_errors,
            self.timed_out
        )
    }
}

/// The running proxy. Dropping it stops the accept loop and every connection task.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Listen on 127.0.0.1:0 and forward to `upstream`, which must be a loopback address
    /// (otherwise `ErrorKind::InvalidInput`). Must be called within a Tokio runtime.
    pub async fn start(upstream: SocketAddr, settings: FaultSettings) -> io::Result<FaultProxy> {
        if !upstream.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("faultproxy only forwards to loopback, not {upstream}"),
            ));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            settings: Mutex::new(settings),
            offline: AtomicBool::new(false),
            went_offline: Notify::new(),
            counters: Counters::default(),
            log: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(FaultProxy { addr, shared, task })
    }

    /// The address clients should connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Change where new connections are forwarded (HQ restarted on a new port). Open
    /// connections keep their upstream. A non-loopback address is ignored.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        if upstream.ip().is_loopback() {
            *lock(&self.shared.upstream) = upstream;
        }
    }

    /// Change the fault settings for new connections, e.g. heal the network with
    /// `set_faults(FaultSettings::none(seed))`. Connection indexes keep counting up.
    pub fn set_faults(&self, settings: FaultSettings) {
        *lock(&self.shared.settings) = settings;
    }

    /// While offline, every accepted socket is closed at once (no fault index is used up). Going
    /// offline also cuts the connections already open, as losing signal does.
    pub fn set_offline(&self, offline: bool) {
        self.shared.offline.store(offline, Ordering::SeqCst);
        if offline {
            self.shared.went_offline.notify_one();
        }
    }

    pub fn stats(&self) -> FaultStats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        FaultStats {
            seed: lock(&self.shared.settings).seed,
            connections: get(&c.connections),
            clean: get(&c.clean),
            dropped: get(&c.dropped),
            delayed: get(&c.delayed),
            cut_request: get(&c.cut_request),
            cut_response: get(&c.cut_response),
            duplicated: get(&c.duplicated),
            refused: get(&c.refused),
            upstream_errors: get(&c.upstream_errors),
            io_errors: get(&c.io_errors),
            timed_out: get(&c.timed_out),
        }
    }

    /// The fault chosen for each connection so far, in connection-index order (the first
    /// 100 000 connections).
    pub fn fault_log(&self) -> Vec<Fault> {
        lock(&self.shared.log).clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // Aborting the accept task drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    settings: Mutex<FaultSettings>,
    offline: AtomicBool,
    /// Wakes the accept loop to cut every open connection.
    went_offline: Notify,
    counters: Counters,
    log: Mutex<Vec<Fault>>,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    clean: AtomicU64,
    dropped: AtomicU64,
    delayed: AtomicU64,
    cut_request: AtomicU64,
    cut_response: AtomicU64,
    duplicated: AtomicU64,
    refused: AtomicU64,
    upstream_errors: AtomicU64,
    io_errors: AtomicU64,
    timed_out: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::SeqCst);
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn probability(p: f64) -> f64 {
    if p.is_nan() {
        0.0
    } else {
        p.clamp(0.0, 1.0)
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How many of `len` bytes a cut keeps: always fewer than `len` (none if `len` is 0).
fn kept_len(len: usize, keep_fraction: f64) -> usize {
    let kept = (len as f64 * probability(keep_fraction)).floor() as usize;
    kept.min(len.saturating_sub(1))
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut tasks = JoinSet::new();
    let mut next_index: u64 = 0;
    let end = sleep(PROXY_MAX_LIFETIME);
    tokio::pin!(end);
    loop {
        tokio::select! {
            () = &mut end => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = shared.went_offline.notified() => {
                if shared.offline.load(Ordering::SeqCst) {
                    tasks.abort_all();
                }
            }
            accepted = listener.accept() => match accepted {
                Err(_) => {
                    bump(&shared.counters.io_errors);
                    sleep(ACCEPT_ERROR_BACKOFF).await;
                }
                Ok((client, _)) => {
                    let c = &shared.counters;
                    if shared.offline.load(Ordering::SeqCst) || tasks.len() >= MAX_CONNECTIONS {
                        bump(&c.refused);
                        drop(client);
                    } else {
                        let fault = lock(&shared.settings).fault_for(next_index);
                        next_index += 1;
                        bump(&c.connections);
                        bump(match fault {
                            Fault::Clean => &c.clean,
                            Fault::DropConnection => &c.dropped,
                            Fault::Delay { .. } => &c.delayed,
                            Fault::CutRequest { .. } => &c.cut_request,
                            Fault::CutResponse { .. } => &c.cut_response,
                            Fault::DuplicateRequest => &c.duplicated,
                        });
                        {
                            let mut log = lock(&shared.log);
                            if log.len() < MAX_FAULT_LOG {
                                log.push(fault);
                            }
                        }
                        let upstream = *lock(&shared.upstream);
                        let shared = Arc::clone(&shared);
                        tasks.spawn(async move {
                            let outcome = timeout(
                                CONNECTION_MAX_LIFETIME,
                                serve(client, upstream, fault, &shared),
                            )
                            .await;
                            match outcome {
                                Ok(Ok(())) => {}
                                Ok(Err(_)) => bump(&shared.counters.io_errors),
                                Err(_) => bump(&shared.counters.timed_out),
                            }
                        });
                    }
                }
            },
        }
    }
}

async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    if !addr.ip().is_loopback() {
        return Err(io::ErrorKind::PermissionDenied.into());
    }
    let stream = timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Proxies one connection with its fault. Upstream connect failures are counted here and
/// return `Ok`; any other error is returned (and counted by the caller).
async fn serve(
    mut client: TcpStream,
    upstream_addr: SocketAddr,
    fault: Fault,
    shared: &Shared,
) -> io::Result<()> {
    if fault == Fault::DropConnection {
        return Ok(());
    }
    let _ = client.set_nodelay(true);
    let Ok(mut upstream) = connect(upstream_addr).await else {
        bump(&shared.counters.upstream_errors);
        return Ok(());
    };
    let (mut client_read, mut client_write) = client.split();
    let (mut upstream_read, mut upstream_write) = upstream.split();
    match fault {
        Fault::DropConnection => Ok(()),
        Fault::Clean => {
            tokio::try_join!(
                pump(&mut client_read, &mut upstream_write, Duration::ZERO),
                pump(&mut upstream_read, &mut client_write, Duration::ZERO),
            )?;
            Ok(())
        }
        Fault::Delay {
            client_to_server_ms,
            server_to_client_ms,
        } => {
            tokio::try_join!(
                pump(
                    &mut client_read,
                    &mut upstream_write,
                    Duration::from_millis(client_to_server_ms)
                ),
                pump(
                    &mut upstream_read,
                    &mut client_write,
                    Duration::from_millis(server_to_client_ms)
                ),
            )?;
            Ok(())
        }
        Fault::CutRequest { keep_fraction } => {
            let burst = read_burst(&mut client_read).await?;
            let kept = kept_len(burst.len(), keep_fraction);
            upstream_write.write_all(&burst[..kept]).await?;
            let _ = upstream_write.shutdown().await;
            // Let the upstream see the cut (and answer, unheard) before everything closes.
            drain(&mut upstream_read).await;
            let _ = client_write.shutdown().await;
            Ok(())
        }
        Fault::CutResponse { keep_fraction } => {
            let forward = async {
                pump(&mut client_read, &mut upstream_write, Duration::ZERO).await?;
                std::future::pending::<io::Result<()>>().await
            };
            let cut = async {
                let burst = read_burst(&mut upstream_read).await?;
                let kept = kept_len(burst.len(), keep_fraction);
                client_write.write_all(&burst[..kept]).await?;
                client_write.shutdown().await
            };
            tokio::select! {
                r = forward => r,
                r = cut => r,
            }
        }
        Fault::DuplicateRequest => {
            let (burst_tx, burst_rx) = oneshot::channel();
            let primary = async {
                tokio::try_join!(
                    pump_recording(&mut client_read, &mut upstream_write, burst_tx),
                    pump(&mut upstream_read, &mut client_write, Duration::ZERO),
                )
                .map(|_| ())
            };
            let (primary, ()) = tokio::join!(primary, replay(burst_rx, upstream_addr, shared));
            primary
        }
    }
}

/// Copies `from` to `to` until EOF (then half-closes `to`), sleeping `first_delay` before
/// forwarding the first bytes. Bounded by the connection's lifetime.
async fn pump<R, W>(from: &mut R, to: &mut W, first_delay: Duration) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; BUF_SIZE];
    let mut delay = Some(first_delay).filter(|d| !d.is_zero());
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            let _ = to.shutdown().await;
            return Ok(());
        }
        if let Some(d) = delay.take() {
            sleep(d).await;
        }
        to.write_all(&buf[..n]).await?;
    }
}

/// Like [`pump`] without delay, but also sends the first burst (up to a half-close or
/// [`BURST_IDLE`] without new bytes) to `burst_tx`. On an error the burst is not sent.
async fn pump_recording<R, W>(
    from: &mut R,
    to: &mut W,
    burst_tx: oneshot::Sender<Vec<u8>>,
) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; BUF_SIZE];
    let mut burst = Vec::new();
    let mut burst_tx = Some(burst_tx);
    loop {
        let n = if burst_tx.is_some() && !burst.is_empty() {
            match timeout(BURST_IDLE, from.read(&mut buf)).await {
                Ok(read) => read?,
                Err(_) => {
                    if let Some(tx) = burst_tx.take() {
                        let _ = tx.send(std::mem::take(&mut burst));
                    }
                    continue;
                }
            }
        } else {
            from.read(&mut buf).await?
        };
        if n == 0 {
            if let Some(tx) = burst_tx.take() {
                let _ = tx.send(std::mem::take(&mut burst));
            }
            let _ = to.shutdown().await;
            return Ok(());
        }
        if burst_tx.is_some() {
            burst.extend_from_slice(&buf[..n]);
            if burst.len() >= MAX_BURST {
                if let Some(tx) = burst_tx.take() {
                    let _ = tx.send(std::mem::take(&mut burst));
                }
            }
        }
        to.write_all(&buf[..n]).await?;
    }
}

/// Sends the recorded burst on a second upstream connection and discards the response.
async fn replay(burst_rx: oneshot::Receiver<Vec<u8>>, upstream_addr: SocketAddr, shared: &Shared) {
    let Ok(burst) = burst_rx.await else { return };
    if burst.is_empty() {
        return;
    }
    let Ok(mut second) = connect(upstream_addr).await else {
        bump(&shared.counters.upstream_errors);
        return;
    };
    // No half-close: some HTTP servers drop a request whose connection was half-closed.
    if second.write_all(&burst).await.is_err() {
        bump(&shared.counters.io_errors);
        return;
    }
    if let Ok(Err(_)) = timeout(REPLAY_RESPONSE_TIMEOUT, read_burst(&mut second)).await {
        bump(&shared.counters.io_errors);
    }
}

/// Reads one burst: waits for the first bytes, then reads until EOF or [`BURST_IDLE`] without
/// new bytes (at most [`MAX_BURST`]). Empty if the peer closes without sending anything.
async fn read_burst<R: AsyncRead + Unpin>(from: &mut R) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; BUF_SIZE];
    let n = from.read(&mut buf).await?;
    let mut burst = buf[..n].to_vec();
    if n == 0 {
        return Ok(burst);
    }
    while burst.len() < MAX_BURST {
        match timeout(BURST_IDLE, from.read(&mut buf)).await {
            Err(_) | Ok(Ok(0)) => break,
            Ok(Ok(n)) => burst.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => return Err(e),
        }
    }
    Ok(burst)
}

/// Reads and discards until EOF, an error, or [`DRAIN_TIMEOUT`].
async fn drain<R: AsyncRead + Unpin>(from: &mut R) {
    let mut buf = vec![0u8; BUF_SIZE];
    let _ = timeout(DRAIN_TIMEOUT, async {
        while let Ok(n) = from.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::time::Instant;

    const STEP: Duration = Duration::from_secs(10);

    async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
        timeout(STEP, fut)
            .await
            .unwrap_or_else(|_| panic!("timed out: {what}"))
    }

    #[derive(Clone, Copy)]
    enum Mode {
        /// Echo every byte until EOF.
        Echo,
        /// Write the tag, then echo.
        Tagged(&'static [u8]),
        /// Read up to "\r\n\r\n", record it, answer with `http_response(n)`, close.
        Http,
        /// Read until EOF, record everything, answer nothing.
        Record,
    }

    struct Upstream {
        addr: SocketAddr,
        accepted: Arc<AtomicU64>,
        received: Arc<Mutex<Vec<Vec<u8>>>>,
        task: JoinHandle<()>,
    }

    impl Drop for Upstream {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    impl Upstream {
        fn accepted(&self) -> u64 {
            self.accepted.load(Ordering::SeqCst)
        }
        fn received(&self) -> Vec<Vec<u8>> {
            lock(&self.received).clone()
        }
        async fn wait_for_requests(&self, n: usize) -> Vec<Vec<u8>> {
            within("upstream requests", async {
                loop {
                    let got = self.received();
                    if got.len() >= n {
                        return got;
                    }
                    sleep(Duration::from_millis(5)).await;
                }
            })
            .await
        }
    }

    fn http_response(n: usize) -> Vec<u8> {
        let body: Vec<u8> = format!("n={n};")
            .into_bytes()
            .into_iter()
            .chain((0..20_000u32).map(|i| b'a' + (i % 26) as u8))
            .collect();
        let mut response = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(&body);
        response
    }

    async fn upstream(mode: Mode) -> Upstream {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicU64::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (acc, rec) = (Arc::clone(&accepted), Arc::clone(&received));
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            while let Ok(Ok((mut sock, _))) = timeout(STEP * 6, listener.accept()).await {
                acc.fetch_add(1, Ordering::SeqCst);
                let rec = Arc::clone(&rec);
                conns.spawn(timeout(STEP, async move {
                    let mut buf = vec![0u8; 4096];
                    match mode {
                        Mode::Echo | Mode::Tagged(_) => {
                            if let Mode::Tagged(tag) = mode {
                                sock.write_all(tag).await?;
                            }
                            loop {
                                let n = sock.read(&mut buf).await?;
                                if n == 0 {
                                    return sock.shutdown().await;
                                }
                                sock.write_all(&buf[..n]).await?;
                            }
                        }
                        Mode::Http => {
                            let mut request = Vec::new();
                            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                                let n = sock.read(&mut buf).await?;
                                if n == 0 {
                                    break;
                                }
                                request.extend_from_slice(&buf[..n]);
                            }
                            let number = {
                                let mut rec = lock(&rec);
                                rec.push(request);
                                rec.len()
                            };
                            sock.write_all(&http_response(number)).await?;
                            sock.shutdown().await
                        }
                        Mode::Record => {
                            let mut all = Vec::new();
                            let result = sock.read_to_end(&mut all).await;
                            lock(&rec).push(all);
                            result.map(|_| ())
                        }
                    }
                }));
            }
        });
        Upstream {
            addr,
            accepted,
            received,
            task,
        }
    }

    /// Connects, writes `data`, half-closes, and reads to EOF (an error counts as EOF).
    async fn round_trip(addr: SocketAddr, data: &[u8]) -> Vec<u8> {
        within("round trip", async {
            let mut s = TcpStream::connect(addr).await.unwrap();
            let mut got = Vec::new();
            if s.write_all(data).await.is_ok() && s.shutdown().await.is_ok() {
                let _ = s.read_to_end(&mut got).await;
            }
            got
        })
        .await
    }

    /// Writes `request` without half-closing and reads to EOF.
    async fn request(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
        within("request", async {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(request).await.unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.unwrap();
            got
        })
        .await
    }

    fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..len).map(|_| rng.gen()).collect()
    }

    fn only(seed: u64, set: impl FnOnce(&mut FaultSettings)) -> FaultSettings {
        let mut s = FaultSettings::none(seed);
        set(&mut s);
        s
    }

    #[test]
    fn fault_choice_follows_probabilities() {
        let none = FaultSettings::none(1);
        assert!((0..1000).all(|i| none.fault_for(i) == Fault::Clean));
        let all_drop = only(1, |s| s.drop_connection = 1.0);
        assert!((0..1000).all(|i| all_drop.fault_for(i) == Fault::DropConnection));
        let delays = only(1, |s| {
            s.delay = 1.0;
            s.max_delay_ms = 5;
        });
        for i in 0..1000 {
            match delays.fault_for(i) {
                Fault::Delay {
                    client_to_server_ms: a,
                    server_to_client_ms: b,
                } => assert!((1..=5).contains(&a) && (1..=5).contains(&b)),
                other => panic!("expected a delay, got {other:?}"),
            }
        }
        let chaos = FaultSettings::chaos(9);
        let clean = (0..10_000)
            .filter(|&i| chaos.fault_for(i) == Fault::Clean)
            .count();
        assert!((4_500..5_500).contains(&clean), "clean={clean}");
        assert_eq!(kept_len(0, 0.99), 0);
        assert_eq!(kept_len(10, 0.999_999_9), 9);
        assert_eq!(kept_len(10, 0.5), 5);
    }

    #[tokio::test]
    async fn none_passes_every_byte_unchanged() {
        let up = upstream(Mode::Echo).await;
        let proxy = FaultProxy::start(up.addr, FaultSettings::none(1))
            .await
            .unwrap();
        for i in 0..3 {
            let data = random_bytes(i, 300_000);
            assert_eq!(round_trip(proxy.addr(), &data).await, data);
        }
        // Keep-alive style: two exchanges on one connection.
        within("keep-alive", async {
            let mut s = TcpStream::connect(proxy.addr()).await.unwrap();
            for round in 0..2u64 {
                let data = random_bytes(100 + round, 1000);
                s.write_all(&data).await.unwrap();
                let mut back = vec![0u8; data.len()];
                s.read_exact(&mut back).await.unwrap();
                assert_eq!(back, data);
            }
            s.shutdown().await.unwrap();
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        })
        .await;
        let stats = proxy.stats();
        assert_eq!((stats.connections, stats.clean), (4, 4), "{stats}");
        assert_eq!(stats.io_errors + stats.upstream_errors, 0, "{stats}");
    }

    #[tokio::test]
    async fn drop_closes_without_any_bytes() {
        let up = upstream(Mode::Echo).await;
        let proxy = FaultProxy::start(up.addr, only(2, |s| s.drop_connection = 1.0))
            .await
            .unwrap();
        for _ in 0..3 {
            let got = within("dropped read", async {
                let mut s = TcpStream::connect(proxy.addr()).await.unwrap();
                let mut got = Vec::new();
                s.read_to_end(&mut got).await.unwrap();
                got
            })
            .await;
            assert!(got.is_empty());
        }
        sleep(Duration::from_millis(50)).await;
        assert_eq!(up.accepted(), 0, "a dropped connection reached upstream");
        assert_eq!(proxy.stats().dropped, 3);
    }

    #[tokio::test]
    async fn cut_response_gives_a_strict_prefix() {
        let up = upstream(Mode::Http).await;
        let proxy = FaultProxy::start(up.addr, only(3, |s| s.cut_response = 1.0))
            .await
            .unwrap();
        let mut lengths = Vec::new();
        for i in 1..=8 {
            let got = request(proxy.addr(), b"GET /ops HTTP/1.1\r\nHost: hq\r\n\r\n").await;
            let full = http_response(i);
            assert!(got.len() < full.len(), "not cut: {} bytes", got.len());
            assert!(full.starts_with(&got), "not a prefix of the response");
            lengths.push(got.len());
        }
        lengths.dedup();
        assert!(lengths.len() > 1, "every cut kept the same length");
        assert_eq!(up.received().len(), 8, "the request must reach upstream");
        assert_eq!(proxy.stats().cut_response, 8);
    }

    #[tokio::test]
    async fn cut_request_forwards_a_strict_prefix() {
        let up = upstream(Mode::Record).await;
        let proxy = FaultProxy::start(up.addr, only(4, |s| s.cut_request = 1.0))
            .await
            .unwrap();
        let mut sent = Vec::new();
        for i in 0..5 {
            let body = random_bytes(i, 10_000);
            // No half-close: the cut must come from the idle burst end, as with HTTP.
            let reply = request(proxy.addr(), &body).await;
            assert!(reply.is_empty());
            sent.push(body);
        }
        let received = up.wait_for_requests(5).await;
        for (got, body) in received.iter().zip(&sent) {
            assert!(got.len() < body.len() && body.starts_with(got));
        }
        assert_eq!(proxy.stats().cut_request, 5);
    }

    #[tokio::test]
    async fn duplicate_request_reaches_upstream_twice_and_client_once() {
        let up = upstream(Mode::Http).await;
        let proxy = FaultProxy::start(up.addr, only(5, |s| s.duplicate_request = 1.0))
            .await
            .unwrap();
        let req = b"POST /sync HTTP/1.1\r\nHost: hq\r\nX-Op: 42\r\n\r\n";
        let got = request(proxy.addr(), req).await;
        assert_eq!(
            got,
            http_response(1),
            "the client gets exactly the first response"
        );
        let received = up.wait_for_requests(2).await;
        assert_eq!(received, vec![req.to_vec(), req.to_vec()]);
        sleep(Duration::from_millis(200)).await;
        assert_eq!(up.received().len(), 2, "replayed more than once");
        assert_eq!(up.accepted(), 2);
        assert_eq!(proxy.stats().duplicated, 1);
    }

    #[tokio::test]
    async fn delay_delays_and_still_passes_bytes() {
        let up = upstream(Mode::Echo).await;
        let settings = only(6, |s| {
            s.delay = 1.0;
            s.max_delay_ms = 300;
        });
        let proxy = FaultProxy::start(up.addr, settings).await.unwrap();
        let data = random_bytes(6, 5000);
        let started = Instant::now();
        assert_eq!(round_trip(proxy.addr(), &data).await, data);
        let elapsed = started.elapsed();
        let Fault::Delay {
            client_to_server_ms: a,
            server_to_client_ms: b,
        } = settings.fault_for(0)
        else {
            panic!("expected a delay")
        };
        assert!(
            elapsed >= Duration::from_millis(a + b),
            "{elapsed:?} < {a}+{b} ms"
        );
        assert_eq!(proxy.fault_log(), vec![settings.fault_for(0)]);
    }

    async fn chaos_client(addr: SocketAddr) {
        let _ = round_trip(addr, b"ping\r\n\r\n").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn same_seed_same_fault_sequence() {
        const N: u64 = 40;
        let up = upstream(Mode::Echo).await;
        let settings = FaultSettings::chaos(42);
        let a = FaultProxy::start(up.addr, settings).await.unwrap();
        let b = FaultProxy::start(up.addr, settings).await.unwrap();
        let c = FaultProxy::start(up.addr, FaultSettings::chaos(43))
            .await
            .unwrap();
        for _ in 0..N {
            chaos_client(a.addr()).await;
            chaos_client(c.addr()).await;
        }
        // Proxy b sees its connections concurrently, in batches.
        for _ in 0..N / 10 {
            let batch: Vec<_> = (0..10)
                .map(|_| tokio::spawn(chaos_client(b.addr())))
                .collect();
            for handle in batch {
                handle.await.unwrap();
            }
        }
        let expected: Vec<Fault> = (0..N).map(|i| settings.fault_for(i)).collect();
        assert_eq!(a.fault_log(), expected);
        assert_eq!(b.fault_log(), expected);
        assert_ne!(c.fault_log(), expected, "another seed gave the same faults");
        let kinds = |log: &[Fault]| {
            let mut k: Vec<_> = log.iter().map(std::mem::discriminant).collect();
            k.dedup();
            k.sort_by_key(|d| format!("{d:?}"));
            k.dedup();
            k.len()
        };
        assert!(kinds(&expected) >= 4, "chaos(42) is too uniform");
        let (sa, sb) = (a.stats(), b.stats());
        assert_eq!(
            (
                sa.dropped,
                sa.delayed,
                sa.cut_request,
                sa.cut_response,
                sa.duplicated
            ),
            (
                sb.dropped,
                sb.delayed,
                sb.cut_request,
                sb.cut_response,
                sb.duplicated
            ),
            "{sa} vs {sb}"
        );
        assert_eq!(sa.connections, N, "{sa}");
        let drops = expected
            .iter()
            .filter(|f| **f == Fault::DropConnection)
            .count();
        assert_eq!(sa.dropped, drops as u64, "{sa}");
    }

    #[tokio::test]
    async fn offline_refuses_and_online_accepts_again() {
        let up = upstream(Mode::Echo).await;
        let proxy = FaultProxy::start(up.addr, FaultSettings::none(7))
            .await
            .unwrap();
        proxy.set_offline(true);
        assert!(round_trip(proxy.addr(), b"hello").await.is_empty());
        sleep(Duration::from_millis(50)).await;
        assert_eq!(up.accepted(), 0, "an offline connection reached upstream");
        let stats = proxy.stats();
        assert_eq!((stats.refused, stats.connections), (1, 0), "{stats}");
        proxy.set_offline(false);
        assert_eq!(round_trip(proxy.addr(), b"hello").await, b"hello");
        assert_eq!(proxy.fault_log(), vec![Fault::Clean]);
    }

    #[tokio::test]
    async fn going_offline_cuts_the_connections_already_open() {
        let up = upstream(Mode::Echo).await;
        let proxy = FaultProxy::start(up.addr, FaultSettings::none(9))
            .await
            .unwrap();
        let mut open = TcpStream::connect(proxy.addr()).await.unwrap();
        open.write_all(b"ping").await.unwrap();
        let mut echoed = [0u8; 4];
        open.read_exact(&mut echoed).await.unwrap();
        assert_eq!(&echoed, b"ping");
        proxy.set_offline(true);
        let mut rest = Vec::new();
        let read = timeout(Duration::from_secs(5), open.read_to_end(&mut rest)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "the open connection outlived the signal: {read:?}"
        );
        proxy.set_offline(false);
        assert_eq!(round_trip(proxy.addr(), b"back").await, b"back");
    }

    #[tokio::test]
    async fn set_upstream_redirects_and_loopback_is_enforced() {
        let first = upstream(Mode::Tagged(b"A:")).await;
        let second = upstream(Mode::Tagged(b"B:")).await;
        let proxy = FaultProxy::start(first.addr, FaultSettings::none(8))
            .await
            .unwrap();
        assert_eq!(round_trip(proxy.addr(), b"x").await, b"A:x");
        proxy.set_upstream(second.addr);
        assert_eq!(round_trip(proxy.addr(), b"x").await, b"B:x");

        let remote: SocketAddr = "10.1.2.3:80".parse().unwrap();
        proxy.set_upstream(remote);
        assert_eq!(round_trip(proxy.addr(), b"x").await, b"B:x");
        let refused = FaultProxy::start(remote, FaultSettings::none(8)).await;
        assert_eq!(
            refused.err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidInput)
        );
    }

    #[tokio::test]
    async fn set_faults_heals_the_network() {
        let up = upstream(Mode::Echo).await;
        let proxy = FaultProxy::start(up.addr, only(9, |s| s.drop_connection = 1.0))
            .await
            .unwrap();
        assert!(round_trip(proxy.addr(), b"hi").await.is_empty());
        proxy.set_faults(FaultSettings::none(10));
        assert_eq!(round_trip(proxy.addr(), b"hi").await, b"hi");
        let stats = proxy.stats();
        assert_eq!((stats.seed, stats.dropped, stats.clean), (10, 1, 1));
    }

    #[tokio::test]
    async fn drop_stops_listener_and_open_connections() {
        let up = upstream(Mode::Echo).await;
        let proxy = FaultProxy::start(up.addr, FaultSettings::none(11))
            .await
            .unwrap();
        let addr = proxy.addr();
        let mut open = TcpStream::connect(addr).await.unwrap();
        open.write_all(b"ping").await.unwrap();
        let mut back = [0u8; 4];
        within("echo", open.read_exact(&mut back)).await.unwrap();
        drop(proxy);
        sleep(Duration::from_millis(50)).await;
        let mut rest = Vec::new();
        let read = within("closed by drop", open.read_to_end(&mut rest)).await;
        assert!(read.is_err() || rest.is_empty());
        assert!(TcpStream::connect(addr).await.is_err(), "still listening");
    }
}
