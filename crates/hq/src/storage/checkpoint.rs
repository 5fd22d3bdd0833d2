//! The embedded backend's WAL checkpoints, on a thread of their own.
//!
//! With `synchronous = FULL` a commit waits for its WAL frames to reach the disk; by default
//! SQLite then also copies the WAL into the database file and syncs that (a checkpoint) inside the
//! same commit, once the WAL passes 1,000 pages, which about doubles what a large push waits for.
//! Here the writer only appends to the WAL, and a second connection copies it back soon after
//! each commit, while the next push is already being written. Durability is the same: a commit is
//! acknowledged only once its WAL frames are on disk. If this thread ever falls behind, the
//! writer checkpoints by itself past [`WRITER_LIMIT_PAGES`], so the WAL stays bounded.

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The writer checkpoints by itself past this many WAL pages (64 MiB at 4 KiB pages).
pub const WRITER_LIMIT_PAGES: i64 = 16_384;
/// At most one checkpoint this often (each one syncs the database file).
const SPACING: Duration = Duration::from_millis(50);
/// And at least this often while anything was written.
const IDLE: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Signal {
    written: bool,
    stop: bool,
}

/// Stops the thread when the storage is dropped.
pub struct Checkpointer {
    signal: Arc<(Mutex<Signal>, Condvar)>,
}

impl Checkpointer {
    pub fn start(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA busy_timeout = 10000;")?;
        let signal: Arc<(Mutex<Signal>, Condvar)> = Arc::default();
        let theirs = signal.clone();
        std::thread::Builder::new()
            .name("hq-wal-checkpoint".into())
            .spawn(move || run(conn, &theirs))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Self { signal })
    }

    /// Something was committed: checkpoint soon.
    pub fn written(&self) {
        let (lock, cv) = &*self.signal;
        if let Ok(mut s) = lock.lock() {
            s.written = true;
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
    }
}

fn run(conn: Connection, signal: &(Mutex<Signal>, Condvar)) {
    let (lock, cv) = signal;
    let mut dirty = false;
    loop {
        {
            let Ok(mut s) = lock.lock() else { return };
            if !s.written && !s.stop {
                s = match cv.wait_timeout(s, IDLE) {
                    Ok((s, _)) => s,
                    Err(_) => return,
                };
            }
            if s.stop {
                return;
            }
            dirty |= std::mem::take(&mut s.written);
        }
        if dirty {
            // PASSIVE never blocks the writer or readers; what it cannot copy yet (frames a
            // reader still needs) waits for the next round.
            match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            }) {
                Ok((_, log, done)) => dirty = done < log,
                Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; will try again"),
            }
        }
        std::thread::sleep(SPACING);
    }
}
