//! The state a loader's feeding threads and its two worker threads share:
//! the open batches, the count of rows not yet done (for backpressure and
//! `flush`), the counters and the failures.

use std::sync::mpsc::Sender;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::client::routing::HashRing;
use crate::client::Client;
use crate::connection::lock;
use crate::error::{Error, Result};
use crate::wire::value::Value;

use super::batch::{Batch, Batches, SentBatch, REPLICATED};
use super::failures::{FailureKind, RowFailure};
use super::progress::{Counters, Progress};
use super::schema::TableSchema;

/// A callback for each failed row.
pub(crate) type FailureHook = Box<dyn Fn(&RowFailure) + Send + Sync>;

/// The settings a loader runs with.
pub(crate) struct Settings {
    pub(crate) batch_size: usize,
    pub(crate) upsert: bool,
    pub(crate) flush_interval: Option<Duration>,
    pub(crate) max_pending: usize,
}

struct State {
    batches: Batches,
    next_position: u64,
    /// Rows queued and neither acknowledged nor failed yet.
    outstanding: usize,
    closed: bool,
}

/// What the threads of one loader share.
pub(crate) struct Shared {
    pub(crate) client: Client,
    pub(crate) schema: TableSchema,
    /// The hash ring rows are grouped by (`None`: replicated table).
    pub(crate) ring: Option<HashRing>,
    pub(crate) settings: Settings,
    pub(crate) counters: Counters,
    state: Mutex<State>,
    /// Signalled when rows are done (or the loader closes).
    done: Condvar,
    failures: Mutex<Vec<RowFailure>>,
    on_failure: Option<FailureHook>,
    /// To the sender thread; `None` once closed.
    jobs: Mutex<Option<Sender<SentBatch>>>,
}

impl Shared {
    pub(crate) fn new(
        client: Client,
        schema: TableSchema,
        ring: Option<HashRing>,
        settings: Settings,
        on_failure: Option<FailureHook>,
        jobs: Sender<SentBatch>,
    ) -> Shared {
        Shared {
            state: Mutex::new(State {
                batches: Batches::new(schema.columns.clone()),
                next_position: 0,
                outstanding: 0,
                closed: false,
            }),
            client,
            schema,
            ring,
            settings,
            counters: Counters::default(),
            done: Condvar::new(),
            failures: Mutex::new(Vec::new()),
            on_failure,
            jobs: Mutex::new(Some(jobs)),
        }
    }

    fn closed_error(&self) -> Error {
        Error::BulkLoad {
            table: self.schema.name.clone(),
            reason: "the loader is closed".into(),
        }
    }

    /// Checks and buffers one row; returns its position. Blocks while the
    /// loader holds `max_pending` rows not yet done.
    pub(crate) fn insert(&self, row: &[Value]) -> Result<u64> {
        let part = match &self.ring {
            Some(ring) => self.schema.partition_of(ring, row)?,
            None => None,
        };
        let mut st = self.wait_for_room()?;
        let (partition, key) = part.map_or((REPLICATED, None), |(p, k)| (p, Some(k)));
        let position = st.next_position;
        let batch = st
            .batches
            .open(partition, || key.map(|k| k.as_slice().to_vec()));
        self.schema.append(&mut batch.rows, row)?;
        batch.positions.push(position);
        let full = batch.positions.len() >= self.settings.batch_size;
        st.next_position += 1;
        st.outstanding += 1;
        Counters::add(&self.counters.queued, 1);
        let full = if full {
            st.batches.take(partition)
        } else {
            None
        };
        drop(st);
        if let Some(b) = full {
            self.dispatch(vec![b]);
        }
        Ok(position)
    }

    /// The state lock, once fewer than `max_pending` rows are outstanding.
    /// While waiting, open batches are sent so that rows can complete.
    fn wait_for_room(&self) -> Result<MutexGuard<'_, State>> {
        let mut st = lock(&self.state);
        loop {
            if st.closed {
                return Err(self.closed_error());
            }
            if st.outstanding < self.settings.max_pending {
                return Ok(st);
            }
            let open = st.batches.take_all(None);
            if !open.is_empty() {
                drop(st);
                self.dispatch(open);
                st = lock(&self.state);
                continue;
            }
            // Woken when rows complete; the timeout only re-checks.
            st = self
                .done
                .wait_timeout(st, Duration::from_millis(100))
                .map_or_else(|e| e.into_inner().0, |(g, _)| g);
        }
    }

    /// Hands sealed batches to the sender thread (rows of a batch that
    /// cannot be handed over fail as not sent).
    pub(crate) fn dispatch(&self, batches: Vec<Batch>) {
        for b in batches {
            let sealed = b.seal();
            let jobs = lock(&self.jobs);
            let refused = match jobs.as_ref() {
                Some(tx) => tx.send(sealed).err().map(|e| e.0),
                None => Some(sealed),
            };
            drop(jobs);
            if let Some(b) = refused {
                let why = FailureKind::NotSent("the loader is closed".into());
                self.fail_batch(&b, &why);
            }
        }
    }

    /// Sends every open batch.
    pub(crate) fn send_open(&self) {
        let open = lock(&self.state).batches.take_all(None);
        self.dispatch(open);
    }

    /// Closes and seals the open batches whose first row is `age` old.
    pub(crate) fn take_stale(&self, age: Duration) -> Vec<SentBatch> {
        let open = lock(&self.state).batches.take_all(Some(age));
        open.into_iter().map(Batch::seal).collect()
    }

    /// Sends every open batch, then waits until no row is pending (rows
    /// other threads insert meanwhile are waited for too).
    pub(crate) fn flush(&self) {
        self.send_open();
        let mut st = lock(&self.state);
        while st.outstanding > 0 {
            st = self
                .done
                .wait_timeout(st, Duration::from_millis(100))
                .map_or_else(|e| e.into_inner().0, |(g, _)| g);
        }
    }

    /// Refuses new rows, flushes, and stops the sender thread (which stops
    /// the collector once its calls are done). Returns false if already closed.
    pub(crate) fn close(&self) -> bool {
        let was_closed = std::mem::replace(&mut lock(&self.state).closed, true);
        self.flush();
        lock(&self.jobs).take();
        !was_closed
    }

    /// `n` rows are done (acknowledged or failed).
    pub(crate) fn rows_done(&self, n: usize) {
        let mut st = lock(&self.state);
        st.outstanding = st.outstanding.saturating_sub(n);
        drop(st);
        self.done.notify_all();
    }

    /// Reports one failed row.
    pub(crate) fn fail_row(&self, position: u64, row: Vec<Value>, kind: FailureKind) {
        Counters::add(&self.counters.failed, 1);
        let f = RowFailure {
            position,
            row,
            kind,
        };
        match &self.on_failure {
            Some(hook) => hook(&f),
            None => lock(&self.failures).push(f),
        }
    }

    /// Reports every row of a batch as failed with `kind`, and done.
    pub(crate) fn fail_batch(&self, b: &SentBatch, kind: &FailureKind) {
        for (i, &position) in b.positions.iter().enumerate() {
            let row = b
                .table
                .row(i)
                .ok()
                .and_then(|r| r.values().ok())
                .unwrap_or_default();
            self.fail_row(position, row, kind.clone());
        }
        self.rows_done(b.positions.len());
    }

    /// The counters, read under the state lock: then `pending` never
    /// exceeds the rows outstanding (acknowledgements only grow).
    pub(crate) fn progress(&self) -> Progress {
        let _st = lock(&self.state);
        self.counters.snapshot()
    }

    /// The failures collected so far (none with an `on_failure` callback).
    pub(crate) fn take_failures(&self) -> Vec<RowFailure> {
        std::mem::take(&mut *lock(&self.failures))
    }
}
