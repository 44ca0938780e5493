//! Frames waiting to be written on a shared connection, and how they go out.

use std::io;
use std::sync::Condvar;

/// Largest write buffer kept for reuse.
const OUTBOX_KEEP: usize = 1 << 20;

/// Frames queued on a [`Connection`](super::shared::Connection), written
/// by whoever takes the next batch (a caller, or the writer thread).
#[derive(Default)]
pub(crate) struct Outbox {
    /// Frames waiting to be written.
    pub(super) buf: Vec<u8>,
    /// An emptied buffer kept for reuse.
    pub(super) spare: Vec<u8>,
    /// True while someone (a caller or the writer thread) is writing; it
    /// will also write `buf`, or hand it to the writer thread.
    pub(super) flushing: bool,
    /// True once the connection's writer thread runs.
    pub(super) has_writer: bool,
    /// True while the writer thread is parked, waiting for frames.
    pub(super) writer_parked: bool,
    /// True once the parked writer thread has been woken (and has not run
    /// yet): one wake-up per batch, not one per queued frame.
    pub(super) writer_woken: bool,
}

/// How [`Connection::send`](super::shared::Connection::send) writes a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteMode {
    /// Now, from the calling thread, unless someone is already writing (then
    /// the frame goes out with theirs): the lowest latency for a caller
    /// that waits for its reply.
    Direct,
    /// Queued for the connection's writer thread, which writes everything
    /// queued in one `send`: no system call in the calling thread, and
    /// frames from a caller with many calls in flight go out in batches.
    /// Written directly when the connection has no writer thread.
    Queued,
}

/// What [`Connection::send`](super::shared::Connection::send) did.
pub(crate) enum Sent {
    /// The whole frame was written.
    Yes,
    /// The connection was already dead: nothing was written.
    No,
    /// The write failed, possibly after part of the frame was written.
    Failed(io::Error),
}

impl Outbox {
    /// Wakes the writer thread if it is parked and not woken already.
    pub(super) fn wake_writer(&mut self, cv: &Condvar) {
        if self.writer_parked && !self.writer_woken {
            self.writer_woken = true;
            cv.notify_one();
        }
    }

    /// Takes everything queued, to be written with the lock released;
    /// marks the outbox `flushing` meanwhile (whoever finds it set leaves
    /// the writing to us).
    pub(super) fn take_batch(&mut self) -> Vec<u8> {
        self.flushing = true;
        let spare = std::mem::take(&mut self.spare);
        std::mem::replace(&mut self.buf, spare)
    }

    /// Ends the write of `batch` (taken by [`take_batch`](Self::take_batch))
    /// and keeps its buffer for reuse. After a failed write, what was queued
    /// meanwhile is dropped: the connection is about to fail.
    pub(super) fn batch_written(&mut self, mut batch: Vec<u8>, ok: bool) {
        self.flushing = false;
        batch.clear();
        if batch.capacity() <= OUTBOX_KEEP && batch.capacity() > self.spare.capacity() {
            self.spare = batch;
        }
        if !ok {
            self.buf = Vec::new();
        }
    }
}
