//! The reading side of a connection ([`Input`]): bytes received, split
//! into frames by the framing rules of a real server.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::connection::Stream;
use crate::wire::{frame_status, FrameStatus, DEFAULT_FRAME_CAP};

use super::conn::is_transient;
use super::node::Node;

/// How long a closed connection keeps reading (and discarding) input while
/// it waits for the client's EOF, so that the close is a clean FIN rather
/// than a reset caused by unread input.
const DRAIN: Duration = Duration::from_millis(1000);

/// Read chunk size.
const CHUNK: usize = 64 * 1024;

/// What the input side found.
pub(crate) enum Next<'a> {
    /// A complete frame body (valid until the next read).
    Frame(&'a [u8]),
    /// Nothing complete yet.
    Idle,
    /// EOF or a socket error.
    Eof,
    /// A frame length outside `1..=50 MiB`: close without a message.
    Bad,
}

/// The reading side of a connection: the socket and the bytes received but
/// not yet consumed.
pub(crate) struct Input {
    pub(crate) stream: Stream,
    buf: Vec<u8>,
    /// Where the unconsumed bytes of `buf` start.
    pos: usize,
    chunk: Vec<u8>,
}

impl Input {
    pub(crate) fn new(stream: Stream) -> Input {
        Input {
            stream,
            buf: Vec::new(),
            pos: 0,
            chunk: vec![0; CHUNK],
        }
    }

    /// A complete frame from the buffer, as the range of its body (`Err`
    /// for a bad length). As a real server does, the length is looked at
    /// only once more than 4 bytes are buffered. The frame stays in the
    /// buffer until the next read.
    fn buffered_frame(&mut self) -> Option<Result<std::ops::Range<usize>, ()>> {
        let start = self.pos;
        let avail = &self.buf[start..];
        if avail.len() <= 4 {
            return None;
        }
        match frame_status(avail, DEFAULT_FRAME_CAP) {
            Err(_) => Some(Err(())),
            Ok(FrameStatus::NeedMore(_)) => None,
            Ok(FrameStatus::Complete { body_len }) => {
                self.pos += 4 + body_len;
                Some(Ok(start + 4..start + 4 + body_len))
            }
        }
    }

    /// True when [`next_frame`](Self::next_frame) would return without
    /// reading (a complete frame or a bad length is buffered).
    pub(crate) fn frame_ready(&self) -> bool {
        let avail = &self.buf[self.pos..];
        avail.len() > 4
            && !matches!(
                frame_status(avail, DEFAULT_FRAME_CAP),
                Ok(FrameStatus::NeedMore(_))
            )
    }

    /// The next frame, reading at most once (waiting at most one tick).
    pub(crate) fn next_frame(&mut self) -> Next<'_> {
        let found = match self.buffered_frame() {
            Some(found) => found,
            None => match self.stream.read(&mut self.chunk) {
                Ok(0) => return Next::Eof,
                Ok(n) => {
                    if self.pos > 0 {
                        self.buf.drain(..self.pos);
                        self.pos = 0;
                    }
                    self.buf.extend_from_slice(&self.chunk[..n]);
                    match self.buffered_frame() {
                        Some(found) => found,
                        None => return Next::Idle,
                    }
                }
                Err(e) if is_transient(&e) => return Next::Idle,
                Err(_) => return Next::Eof,
            },
        };
        match found {
            Ok(body) => Next::Frame(&self.buf[body]),
            Err(()) => Next::Bad,
        }
    }

    /// Reads and discards input until the client's EOF, for at most
    /// [`DRAIN`] (one tick when the server is shutting down).
    pub(crate) fn drain(&mut self, node: &Node) {
        let deadline = Instant::now() + DRAIN;
        while Instant::now() < deadline {
            match self.stream.read(&mut self.chunk) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if is_transient(&e) => {
                    if node.is_shutdown() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    }
}
