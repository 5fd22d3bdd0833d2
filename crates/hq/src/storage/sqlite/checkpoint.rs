//! The embedded backend's WAL checkpoints, on a thread of their own.
//!
//! With `synchronous = FULL` a commit waits for its WAL frames to reach the disk; by default
//! SQLite then also copies the WAL into the database file and syncs that (a checkpoint) inside the
//! same commit, once the WAL passes 1,000 pages, which about doubles what a large push waits for.
//! Here the writer only appends to the WAL, and a second connection copies it back once HQ has
//! been quiet for a moment (and at least every second while it is busy). Durability is the same: a commit is
//! acknowledged only once its WAL frames are on disk. If this thread ever falls behind, the
//! writer checkpoints by itself past [`WRITER_LIMIT_BYTES`], so the WAL stays bounded.

use crate::storage::{Result, StorageError};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The writer checkpoints by itself once the WAL holds this much.
pub const WRITER_LIMIT_BYTES: i64 = 64 * 1024 * 1024;
/// A checkpoint waits for this long without writes, so a burst of pushes (a tablet's end of
/// shift) is not slowed by copying back what it has just written...
const QUIET: Duration = Duration::from_millis(100);
/// ...but for no longer than this after the first write it has not copied yet.
const MAX_DELAY: Duration = Duration::from_secs(1);
/// When no push is written, the thread checkpoints this often anyway, for HQ's other writes
/// (sessions, the access log, administration), which do not call [`Checkpointer::written`].
const IDLE: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Signal {
    last_write: Option<Instant>,
    stop: bool,
}

/// Stops the thread when the storage is dropped, and waits for it: the thread's connection must
/// be closed before the process exits, or SQLCipher's crypto can run while OpenSSL is being torn
/// down at exit (a crash seen after `beatbook hq admin` commands).
pub struct Checkpointer {
    signal: Arc<(Mutex<Signal>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub fn start(path: &Path, key: &crate::keys::HqKey) -> Result<Self> {
        let conn = super::connect(path, key)?;
        // Every connection zeroes what it frees (see `SqliteStorage::open`).
        conn.execute_batch("PRAGMA busy_timeout = 10000; PRAGMA secure_delete = ON;")?;
        let signal: Arc<(Mutex<Signal>, Condvar)> = Arc::default();
        let theirs = signal.clone();
        let thread = std::thread::Builder::new()
            .name("hq-wal-checkpoint".into())
            .spawn(move || run(conn, &theirs))
            .map_err(|source| StorageError::Io {
                action: "starting the WAL checkpoint thread".into(),
                source,
            })?;
        Ok(Self {
            signal,
            thread: Some(thread),
        })
    }

    /// Something was committed: checkpoint once HQ is quiet.
    pub fn written(&self) {
        let (lock, cv) = &*self.signal;
        if let Ok(mut s) = lock.lock() {
            s.last_write = Some(Instant::now());
            cv.notify_one();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, cv) = &*self.signal;
        if let Ok(mut s) = lock.lock() {
            s.stop = true;
            cv.notify_one();
        }
        if let Some(thread) = self.thread.take() {
            // At most one checkpoint in progress: it finishes, then the thread returns.
            let _ = thread.join();
        }
    }
}

fn run(conn: Connection, signal: &(Mutex<Signal>, Condvar)) {
    let (lock, cv) = signal;
    // The first write not yet copied back, if any.
    let mut since: Option<Instant> = None;
    loop {
        let last = {
            let Ok(mut s) = lock.lock() else { return };
            if s.last_write.is_none() && since.is_none() && !s.stop {
                s = match cv.wait_timeout(s, IDLE) {
                    Ok((s, _)) => s,
                    Err(_) => return,
                };
                if s.last_write.is_none() {
                    // A quiet second: copy back whatever else was written.
                    since = Some(
                        Instant::now()
                            .checked_sub(MAX_DELAY)
                            .unwrap_or_else(Instant::now),
                    );
                }
            }
            if s.stop {
                return;
            }
            s.last_write
        };
        let Some(last) = last.or(since) else { continue };
        let first = *since.get_or_insert(last);
        let now = Instant::now();
        let quiet_for = now.saturating_duration_since(last);
        if quiet_for < QUIET && now.saturating_duration_since(first) < MAX_DELAY {
            std::thread::sleep(QUIET - quiet_for);
            continue;
        }
        if let Ok(mut s) = lock.lock() {
            s.last_write = None;
        }
        // PASSIVE never blocks the writer or readers; what it cannot copy yet (frames a
        // reader still needs) waits for the next round.
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        }) {
            Ok((log, done)) if done < log => since = Some(Instant::now()),
            Ok(_) => since = None,
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; will try again");
                since = Some(Instant::now());
            }
        }
    }
}
