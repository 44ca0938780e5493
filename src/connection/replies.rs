//! Reading replies: one frame into a reused body buffer, parsed into a
//! response. Both clients read every reply this way.

use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use crate::error::ProtocolError;
use crate::response::VoltResponse;
use crate::table::ColumnCache;
use crate::wire::response::parse_response_cached;

use super::body_pool::BodyPool;
use super::dump::Dump;
use super::frame_reader::FrameReader;
use super::read_error::{ReadError, ReadTimeout};

/// Why no reply could be read.
#[derive(Debug)]
pub(crate) enum ReplyError {
    /// No whole frame (timeout, end of stream, I/O error, bad length).
    Read(ReadError),
    /// A frame that is not a response: nobody can tell which call it
    /// answered, so the connection must fail.
    Parse(ProtocolError),
}

/// The reading side of a connection: its frame reader, the body buffers
/// kept for reuse, and the column list of the last table (shared by later
/// tables of the same shape).
pub(crate) struct Replies {
    frames: FrameReader,
    bodies: BodyPool,
    columns: ColumnCache,
}

impl Replies {
    /// Reads with `frames`, keeping up to `spares` body buffers of at most
    /// `keep` bytes for reuse.
    pub(crate) fn new(frames: FrameReader, spares: usize, keep: usize) -> Replies {
        Replies {
            frames,
            bodies: BodyPool::new(spares, keep),
            columns: ColumnCache::default(),
        }
    }

    /// The frame reader, for reading frames that are not parsed as replies.
    pub(crate) fn frames(&mut self) -> &mut FrameReader {
        &mut self.frames
    }

    /// Reads the next reply (waiting until `deadline`, or for ever) and
    /// records its frame in `dump`. Returns the response and its frame's
    /// size in bytes.
    #[inline] // with Session::wait_reply: no copies of the response
    pub(crate) fn next<S: Read + ReadTimeout>(
        &mut self,
        stream: &mut S,
        deadline: Option<Instant>,
        dump: &mut Dump,
    ) -> Result<(VoltResponse, usize), ReplyError> {
        let mut buf = self.bodies.take();
        self.frames
            .read_frame_into(stream, deadline, Arc::make_mut(&mut buf))
            .map_err(ReplyError::Read)?;
        dump.received(&buf);
        let size = buf.len() + 4;
        self.bodies.keep(&buf);
        let resp =
            parse_response_cached(buf, Some(&mut self.columns)).map_err(ReplyError::Parse)?;
        Ok((resp, size))
    }
}
