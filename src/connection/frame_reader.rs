//! Reading whole frames from a blocking stream into reused buffers: a
//! timeout in the middle of a frame never loses bytes.

use std::cell::Cell;
use std::io::{self, Read};
use std::time::{Duration, Instant};

use crate::wire::check_frame_length;

use super::read_error::{ReadError, ReadTimeout};

const CHUNK: usize = 64 * 1024;

/// Reads whole frames from a blocking stream. Bytes beyond the current frame
/// stay buffered; a timeout in the middle of a frame keeps what was read.
#[derive(Debug)]
pub(crate) struct FrameReader {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    cap: usize,
    /// The read timeout last set on the stream (`None`: not known yet), so
    /// that an unchanged one costs no system call per read.
    timeout_set: Cell<Option<Option<Duration>>>,
}

impl FrameReader {
    pub(crate) fn new(cap: usize) -> FrameReader {
        FrameReader {
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            cap,
            timeout_set: Cell::new(None),
        }
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Reads one frame and returns its body (a fresh vector of exactly the
    /// body's length: the one allocation per response).
    pub(crate) fn read_frame<S: Read + ReadTimeout>(
        &mut self,
        stream: &mut S,
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        self.read_frame_into(stream, deadline, &mut body)?;
        Ok(body)
    }

    /// [`read_frame`](Self::read_frame) into `out` (cleared first), so that
    /// a caller can reuse one body buffer.
    pub(crate) fn read_frame_into<S: Read + ReadTimeout>(
        &mut self,
        stream: &mut S,
        deadline: Option<Instant>,
        out: &mut Vec<u8>,
    ) -> Result<(), ReadError> {
        // The length prefix.
        while self.end - self.start < 4 {
            self.fill(stream, deadline)?;
        }
        let b = self.buffered();
        let len = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let len = check_frame_length(len, self.cap).map_err(ReadError::Protocol)?;
        if len + 4 <= self.buf.len() {
            // Small frame: read it into the buffer, then copy it out.
            if self.start + 4 + len > self.buf.len() {
                self.compact();
            }
            while self.end - self.start < 4 + len {
                self.fill(stream, deadline)?;
            }
            out.clear();
            out.extend_from_slice(&self.buf[self.start + 4..self.start + 4 + len]);
            self.start += 4 + len;
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            }
            return Ok(());
        }
        // Large frame: move what we have into the body, then read straight into it.
        let mut body = self.buf[self.start + 4..self.end].to_vec();
        self.start = 0;
        self.end = 0;
        // Keep the prefix around (re-injected on timeout) by reading into body.
        let mut filled = body.len();
        while filled < len {
            // Grow with the bytes that arrive (at most doubling), not to the
            // declared length at once: a peer that announces a frame near the
            // cap and sends a few bytes must not cost the whole cap.
            if filled == body.len() {
                body.resize((filled + filled.max(CHUNK)).min(len), 0);
            }
            match read_some(&self.timeout_set, stream, &mut body[filled..], deadline) {
                Ok(n) => filled += n,
                Err(e) => {
                    // Put the partial frame back so nothing is lost.
                    let mut partial = (len as i32).to_be_bytes().to_vec();
                    partial.extend_from_slice(&body[..filled]);
                    if let ReadError::Eof { .. } = e {
                        return Err(ReadError::Eof { partial });
                    }
                    self.restore(&partial);
                    return Err(e);
                }
            }
        }
        *out = body;
        Ok(())
    }

    fn restore(&mut self, bytes: &[u8]) {
        if self.buf.len() < bytes.len() {
            self.buf.resize(bytes.len(), 0);
        }
        self.buf[..bytes.len()].copy_from_slice(bytes);
        self.start = 0;
        self.end = bytes.len();
    }

    fn compact(&mut self) {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
    }

    #[inline(always)]
    fn fill<S: Read + ReadTimeout>(
        &mut self,
        stream: &mut S,
        deadline: Option<Instant>,
    ) -> Result<(), ReadError> {
        if self.end == self.buf.len() {
            self.compact();
        }
        let r = read_some(
            &self.timeout_set,
            stream,
            &mut self.buf[self.end..],
            deadline,
        );
        match r {
            Ok(n) => {
                self.end += n;
                Ok(())
            }
            Err(ReadError::Eof { .. }) => Err(ReadError::Eof {
                partial: self.buffered().to_vec(),
            }),
            Err(e) => Err(e),
        }
    }
}

/// One read into `into` (waiting at most until `deadline`), setting the
/// stream's read timeout first when it differs from `timeout_set`.
#[inline(always)]
fn read_some<S: Read + ReadTimeout>(
    timeout_set: &Cell<Option<Option<Duration>>>,
    stream: &mut S,
    into: &mut [u8],
    deadline: Option<Instant>,
) -> Result<usize, ReadError> {
    loop {
        let timeout = match deadline {
            None => None,
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return Err(ReadError::TimedOut);
                }
                Some((d - now).max(Duration::from_millis(1)))
            }
        };
        if timeout_set.get() != Some(timeout) {
            timeout_set.set(None);
            stream.set_timeout(timeout).map_err(ReadError::Io)?;
            timeout_set.set(Some(timeout));
        }
        match stream.read(into) {
            Ok(0) => {
                return Err(ReadError::Eof {
                    partial: Vec::new(),
                })
            }
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if deadline.is_none() {
                    continue;
                }
            }
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}
