//! The loader's two threads: the sender, which sends sealed batches (and
//! open ones past the flush interval) pipelined, and the collector, which
//! waits for each batch's reply in order, retries a refused batch row by
//! row, and reports every row as acknowledged or failed.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::client::PendingCall;
use crate::error::{Error, Result};
use crate::table::TableBuilder;
use crate::wire::value::Value;

use super::batch::SentBatch;
use super::failures::{outcome, FailureKind, Outcome};
use super::progress::Counters;
use super::shared::Shared;

/// A batch in flight, with its call (or the error that kept it from going).
struct InFlight {
    call: Result<PendingCall>,
    batch: SentBatch,
}

/// How often the sender looks for open batches past the flush interval.
const TICK: Duration = Duration::from_millis(20);

/// Starts the sender and collector threads of a loader.
pub(crate) fn start(
    shared: &Arc<Shared>,
    jobs: Receiver<SentBatch>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let s = Arc::clone(shared);
    let sender = thread::Builder::new()
        .name("voltdb-bulk-send".into())
        .spawn(move || send_loop(&s, &jobs, &tx))?;
    let s = Arc::clone(shared);
    let collector = thread::Builder::new()
        .name("voltdb-bulk-collect".into())
        .spawn(move || collect_loop(&s, &rx))?;
    Ok(vec![sender, collector])
}

fn send_loop(shared: &Shared, jobs: &Receiver<SentBatch>, out: &Sender<InFlight>) {
    let send = |batch: SentBatch| {
        let call = send_rows(shared, &batch.table, batch.key.as_deref());
        if call.is_ok() {
            Counters::add(&shared.counters.sent, batch.positions.len());
        }
        // The collector outlives this thread (it stops when `out` drops).
        let _ = out.send(InFlight { call, batch });
    };
    loop {
        match jobs.recv_timeout(TICK) {
            Ok(batch) => send(batch),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if let Some(age) = shared.settings.flush_interval {
            let open = shared.take_stale(age);
            for b in open {
                send(b);
            }
        }
    }
}

/// Sends one table of rows to the load system procedure. While no
/// connection is up (a node restarting), retries until the client's call
/// timeout: nothing was sent, so nothing can be stored twice.
fn send_rows(
    shared: &Shared,
    table: &crate::table::VoltTable,
    key: Option<&[u8]>,
) -> Result<PendingCall> {
    let upsert = Value::TinyInt(i8::from(shared.settings.upsert));
    let name = Value::from(shared.schema.name.as_str());
    let rows = Value::Table(table.clone());
    let (procedure, params) = match key {
        Some(k) => (
            "@LoadSinglepartitionTable",
            vec![Value::Varbinary(k.to_vec()), name, upsert, rows],
        ),
        None => ("@LoadMultipartitionTable", vec![name, upsert, rows]),
    };
    let deadline = Instant::now() + shared.client.config().call_timeout;
    loop {
        match shared.client.call_async(procedure, &params) {
            Err(Error::ConnectionError { .. }) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(20));
            }
            r => return r,
        }
    }
}

fn collect_loop(shared: &Shared, calls: &Receiver<InFlight>) {
    while let Ok(InFlight { call, batch }) = calls.recv() {
        let n = batch.positions.len();
        match outcome(call.and_then(PendingCall::wait)) {
            Outcome::Stored => {
                Counters::add(&shared.counters.acknowledged, n);
                shared.rows_done(n);
            }
            Outcome::Refused(..) => retry_rows(shared, &batch),
            Outcome::Unknown(m) => shared.fail_batch(&batch, &FailureKind::Unknown(m)),
            Outcome::NotSent(m) => shared.fail_batch(&batch, &FailureKind::NotSent(m)),
        }
    }
}

/// A refused batch, one row at a time (pipelined): the rows the server
/// takes are stored, the others reported with the server's message.
fn retry_rows(shared: &Shared, batch: &SentBatch) {
    let mut calls = Vec::with_capacity(batch.positions.len());
    for (i, &position) in batch.positions.iter().enumerate() {
        let row = batch
            .table
            .row(i)
            .ok()
            .and_then(|r| r.values().ok())
            .unwrap_or_default();
        let mut one = TableBuilder::new(shared.schema.columns.clone());
        let call = match one.add_row(&row) {
            Ok(_) => send_rows(shared, &one.build(), batch.key.as_deref()),
            Err(e) => Err(Error::Encode(e)),
        };
        calls.push((position, row, call));
    }
    for (position, row, call) in calls {
        match outcome(call.and_then(PendingCall::wait)) {
            Outcome::Stored => Counters::add(&shared.counters.acknowledged, 1),
            Outcome::Refused(status, message) => {
                shared.fail_row(position, row, FailureKind::Rejected { status, message })
            }
            Outcome::Unknown(m) => shared.fail_row(position, row, FailureKind::Unknown(m)),
            Outcome::NotSent(m) => shared.fail_row(position, row, FailureKind::NotSent(m)),
        }
        shared.rows_done(1);
    }
}
