//! [`Progress`]: the loader's counters, readable at any time.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a bulk loader's counters (rows).
///
/// Every row [`queued`](Self::queued) ends up
/// [`acknowledged`](Self::acknowledged) or [`failed`](Self::failed);
/// [`pending`](Self::pending) are those not there yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Rows accepted by `insert`.
    pub queued: u64,
    /// Rows sent to the server in a batch (each counted once, retries not).
    pub sent: u64,
    /// Rows the server stored.
    pub acknowledged: u64,
    /// Rows reported as failures (see [`RowFailure`](super::RowFailure)).
    pub failed: u64,
}

impl Progress {
    /// Rows queued but neither acknowledged nor failed yet.
    pub fn pending(&self) -> u64 {
        self.queued
            .saturating_sub(self.acknowledged)
            .saturating_sub(self.failed)
    }
}

/// The live counters behind [`Progress`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) queued: AtomicU64,
    pub(crate) sent: AtomicU64,
    pub(crate) acknowledged: AtomicU64,
    pub(crate) failed: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Progress {
        // Read the later stages first, so a snapshot never shows more rows
        // done than queued.
        let failed = self.failed.load(Ordering::SeqCst);
        let acknowledged = self.acknowledged.load(Ordering::SeqCst);
        let sent = self.sent.load(Ordering::SeqCst);
        let queued = self.queued.load(Ordering::SeqCst);
        Progress {
            queued,
            sent,
            acknowledged,
            failed,
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::SeqCst);
    }
}
