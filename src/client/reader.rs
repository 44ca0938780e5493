//! The reader and writer threads of one connection: frames in, replies
//! matched to their calls, pushes and unsolicited messages handed on.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::connection::{
    Connection, Death, FrameReader, ReadError, ReadTimeout, Replies, ReplyError, ReplyTo, Stream,
};
use crate::wire::response::{ASYNC_PROC_HANDLE, ASYNC_TOPO_HANDLE};

use super::shared::Shared;
use super::Unsolicited;
use super::{discovery, maintenance};

/// Response body buffers a reader thread keeps for reuse: 64 of at most
/// 64 KiB (4 MiB in all).
const BODY_SPARES: usize = 64;
const BODY_KEEP: usize = 64 << 10;

/// The reader thread's socket: reads block without a timeout (the socket is
/// shut down to stop it), so the per-read `set_read_timeout` is skipped.
struct BlockingRead(Stream);

impl std::io::Read for BlockingRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl ReadTimeout for BlockingRead {
    fn set_timeout(&mut self, _: Option<Duration>) -> std::io::Result<()> {
        Ok(())
    }
}

fn describe(e: ReadError) -> String {
    match e {
        ReadError::Eof { partial } if partial.is_empty() => "server closed the connection".into(),
        ReadError::Eof { partial } => format!(
            "server closed the connection inside a frame, after {} bytes",
            partial.len()
        ),
        ReadError::Io(e) => format!("read failed: {e}"),
        ReadError::Protocol(p) => format!("bad frame from server: {p}"),
        ReadError::TimedOut => "read timed out".into(),
    }
}

pub(super) fn reader_loop(
    shared: Arc<Shared>,
    conn: Arc<Connection>,
    stream: Stream,
    reader: FrameReader,
) {
    let slot = shared.nodes.slot(conn.slot);
    let mut stream = match stream.set_read_timeout(None) {
        Ok(()) => BlockingRead(stream),
        Err(e) => {
            conn.fail(
                Death::Lost(format!("socket setup failed: {e}")),
                &shared.gate,
            );
            maintenance::connection_down(&shared, &conn);
            return;
        }
    };
    let mut replies = Replies::new(reader, BODY_SPARES, BODY_KEEP);
    let mut dump = conn.dump.clone();
    let reason = loop {
        let (resp, size) = match replies.next(&mut stream, None, &mut dump) {
            Ok(r) => r,
            Err(ReplyError::Read(e)) => break describe(e),
            // We cannot tell which call it answered: fail them all.
            Err(ReplyError::Parse(e)) => break format!("unreadable response from server: {e}"),
        };
        let arrived = Instant::now();
        conn.touch(arrived);
        slot.bytes_received
            .fetch_add(size as u64, Ordering::Relaxed);
        let handle = resp.client_handle;
        let to = ReplyTo::of(handle);
        if to == ReplyTo::Ping {
            continue; // keepalive reply: proof of life is all we need
        }
        if to == ReplyTo::Call(handle) {
            if !conn.complete(handle, Ok((resp, size)), &shared.gate, arrived) {
                // A late reply (after its call timed out) or a duplicate.
                slot.late.fetch_add(1, Ordering::Relaxed);
            }
            continue;
        }
        if to == ReplyTo::Server {
            slot.unsolicited.fetch_add(1, Ordering::Relaxed);
            if let Some(c) = &shared.cluster {
                if handle == ASYNC_TOPO_HANDLE || handle == ASYNC_PROC_HANDLE {
                    discovery::apply_push(&shared, c, &resp);
                }
            }
            if let Some(hook) = &shared.on_unsolicited {
                let msg = Unsolicited {
                    connection: conn.slot,
                    host_id: conn.login.host_id,
                    response: resp,
                };
                // A panicking hook must not take the connection down.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(msg)));
            }
            continue;
        }
        // Handles we never issue (e.g. the connection id the server puts
        // in its reply to an invocation it could not parse).
        slot.late.fetch_add(1, Ordering::Relaxed);
    };
    dump.flush();
    conn.fail(Death::Lost(reason), &shared.gate);
    maintenance::connection_down(&shared, &conn);
}

/// The writer thread of a connection: writes queued frames.
pub(super) fn writer_loop(shared: Arc<Shared>, conn: Arc<Connection>) {
    if let Err(e) = conn.write_loop() {
        conn.fail(Death::Lost(format!("write failed: {e}")), &shared.gate);
    }
}
