//! The sans-I/O codec: bytes in, values out, and back. No sockets here.
//!
//! Everything that is sent or received by this crate — by the client and by
//! the test server alike — is made and read by this module, so the two sides
//! cannot drift apart. Decoders work on byte slices, never block, never panic
//! and never allocate from an unchecked length: every length is checked
//! against the bytes that remain and against the frame cap.

pub mod decimal;
pub mod geo;
pub mod invocation;
pub mod login;
pub mod reader;
pub mod response;
pub mod table;
pub mod timestamp;
pub mod types;
pub mod value;
pub mod writer;

pub use reader::Reader;
pub use writer::WireWrite;

/// The largest frame the server accepts or sends (50 MiB, `VoltPort.MAX_MESSAGE_LENGTH`).
pub const DEFAULT_FRAME_CAP: usize = 52_428_800;

/// What [`frame_status`] found at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameStatus {
    /// At least this many more bytes are needed before a frame is complete.
    NeedMore(usize),
    /// A complete frame: its body is `buf[4..4 + body_len]`.
    Complete {
        /// Length of the body (the prefix value).
        body_len: usize,
    },
}

/// Looks for one length-prefixed frame at the start of `buf`.
///
/// Returns "need more bytes", "complete frame", or an error for a length
/// outside `1..=cap` (which the server answers by closing the connection).
///
/// ```
/// use voltdb::wire::{frame_status, FrameStatus};
/// assert_eq!(frame_status(&[0, 0], 100).unwrap(), FrameStatus::NeedMore(2));
/// assert_eq!(frame_status(&[0, 0, 0, 2, 9], 100).unwrap(), FrameStatus::NeedMore(1));
/// assert_eq!(frame_status(&[0, 0, 0, 2, 9, 9], 100).unwrap(), FrameStatus::Complete { body_len: 2 });
/// assert!(frame_status(&[0xff, 0xff, 0xff, 0xff], 100).is_err());
/// ```
pub fn frame_status(buf: &[u8], cap: usize) -> Result<FrameStatus, crate::error::ProtocolError> {
    if buf.len() < 4 {
        return Ok(FrameStatus::NeedMore(4 - buf.len()));
    }
    let len = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    check_frame_length(len, cap)?;
    let body_len = len as usize;
    let have = buf.len() - 4;
    if have < body_len {
        Ok(FrameStatus::NeedMore(body_len - have))
    } else {
        Ok(FrameStatus::Complete { body_len })
    }
}

/// Checks a frame length prefix against `1..=cap`.
pub fn check_frame_length(len: i32, cap: usize) -> Result<usize, crate::error::ProtocolError> {
    if len < 1 || len as u64 > cap as u64 {
        return Err(crate::error::ProtocolError::BadFrameLength {
            len: len as i64,
            cap,
        });
    }
    Ok(len as usize)
}

#[cfg(test)]
mod tests {
    /// Files under `src/wire/` name nothing of the crate above the codec:
    /// only `crate::wire` and `crate::error` (checked in the source text,
    /// comments and doc examples included, so a doc link upward fails too).
    #[test]
    fn wire_is_a_leaf() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/wire");
        let mut files = vec![std::path::PathBuf::from(dir)];
        let needle = concat!("crate", "::");
        let mut checked = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                for (at, _) in line.match_indices(needle) {
                    let rest = &line[at + needle.len()..];
                    assert!(
                        rest.starts_with("wire") || rest.starts_with("error"),
                        "{}:{}: {line}",
                        path.display(),
                        n + 1
                    );
                }
            }
            checked += 1;
        }
        assert!(checked >= 10, "{checked} files");
    }
}
