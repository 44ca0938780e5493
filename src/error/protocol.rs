//! Bytes from the network that do not follow the wire protocol.

use crate::wire::types::VoltType;

/// Bytes that do not follow the wire protocol. Decoders return these; they
/// never panic and never allocate from an unchecked length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A field needs more bytes than the message holds.
    #[error("truncated message: {what} needs {need} bytes, {have} left")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes left.
        have: usize,
    },
    /// A frame length prefix outside `1..=cap`.
    #[error("bad frame length {len} (allowed 1..={cap})")]
    BadFrameLength {
        /// The declared length.
        len: i64,
        /// The frame cap in force.
        cap: usize,
    },
    /// A length or count field that is negative (other than the NULL marker) or
    /// larger than what remains.
    #[error("bad {what} {value}")]
    BadLength {
        /// The field.
        what: &'static str,
        /// The declared value.
        value: i64,
    },
    /// A type code this client does not know.
    #[error("unknown type code {0}")]
    UnknownType(i8),
    /// A type that cannot appear where it was found (e.g. an array of VARBINARY).
    #[error("type {ty} not allowed in {context}")]
    UnexpectedType {
        /// The type found.
        ty: VoltType,
        /// Where.
        context: &'static str,
    },
    /// A string that is not UTF-8.
    #[error("invalid UTF-8 in {0}")]
    InvalidUtf8(&'static str),
    /// Bytes left over after a structure that should have consumed them all.
    #[error("{extra} unexpected trailing bytes after {what}")]
    TrailingBytes {
        /// The structure.
        what: &'static str,
        /// How many bytes were left.
        extra: usize,
    },
    /// The peer closed the connection inside a frame (after `got` bytes of it).
    #[error("connection closed inside a frame after {got} bytes")]
    UnexpectedEof {
        /// Bytes of the frame (prefix included) received before EOF.
        got: usize,
    },
    /// A reply for a call this connection never made (or already gave up on),
    /// that is not an unsolicited notification either.
    #[error("reply with unknown client handle {0}")]
    UnknownHandle(i64),
    /// Any other malformed field.
    #[error("malformed {0}")]
    Malformed(&'static str),
}
