//! A bounds-checked cursor over a byte slice: the only way the codec reads bytes.
//!
//! Every read checks what remains first and returns
//! [`ProtocolError::Truncated`] instead of panicking. Lengths read from the
//! wire are checked against the bytes that remain before anything is sliced
//! or allocated.

use crate::error::ProtocolError;

/// A cursor over big-endian wire data.
///
/// ```
/// use voltdb::wire::Reader;
/// let mut r = Reader::new(&[0, 0, 0, 2, b'h', b'i', 0xff]);
/// assert_eq!(r.read_str("name").unwrap(), Some("hi"));
/// assert_eq!(r.read_i8("byte").unwrap(), -1);
/// assert!(r.read_i8("byte").is_err()); // nothing left: an error, not a panic
/// ```
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    /// The unread end of `buf` (a slice rather than an offset: one length
    /// check per read, about a third fewer instructions per table cell).
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    #[inline]
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, rest: buf }
    }

    /// Bytes not yet read.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// The read position from the start of the buffer.
    #[inline]
    pub fn position(&self) -> usize {
        self.buf.len() - self.rest.len()
    }

    /// The whole underlying buffer.
    #[inline]
    pub fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    /// The unread rest of the buffer.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Takes the next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ProtocolError> {
        match self.rest.split_at_checked(n) {
            Some((s, rest)) => {
                self.rest = rest;
                Ok(s)
            }
            None => Err(self.truncated(n, what)),
        }
    }

    /// Takes the next `N` bytes as an array.
    #[inline]
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ProtocolError> {
        match self.rest.split_first_chunk::<N>() {
            Some((s, rest)) => {
                self.rest = rest;
                Ok(*s)
            }
            None => Err(self.truncated(N, what)),
        }
    }

    /// The error for a read of `need` bytes past the end.
    #[cold]
    fn truncated(&self, need: usize, what: &'static str) -> ProtocolError {
        ProtocolError::Truncated {
            what,
            need,
            have: self.remaining(),
        }
    }

    /// Skips `n` bytes.
    #[inline]
    pub fn skip(&mut self, n: usize, what: &'static str) -> Result<(), ProtocolError> {
        self.take(n, what).map(|_| ())
    }

    /// Fails unless every byte was read.
    #[inline]
    pub fn finish(&self, what: &'static str) -> Result<(), ProtocolError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(ProtocolError::TrailingBytes { what, extra }),
        }
    }

    /// Reads a `u8`.
    #[inline]
    pub fn read_u8(&mut self, what: &'static str) -> Result<u8, ProtocolError> {
        self.array::<1>(what).map(|[b]| b)
    }

    /// Reads an `i8`.
    #[inline]
    pub fn read_i8(&mut self, what: &'static str) -> Result<i8, ProtocolError> {
        self.array(what).map(i8::from_be_bytes)
    }

    /// Reads a big-endian `i16`.
    #[inline]
    pub fn read_i16(&mut self, what: &'static str) -> Result<i16, ProtocolError> {
        self.array(what).map(i16::from_be_bytes)
    }

    /// Reads a big-endian `i32`.
    #[inline]
    pub fn read_i32(&mut self, what: &'static str) -> Result<i32, ProtocolError> {
        self.array(what).map(i32::from_be_bytes)
    }

    /// Reads a big-endian `i64`.
    #[inline]
    pub fn read_i64(&mut self, what: &'static str) -> Result<i64, ProtocolError> {
        self.array(what).map(i64::from_be_bytes)
    }

    /// Reads a big-endian `i128`.
    #[inline]
    pub fn read_i128(&mut self, what: &'static str) -> Result<i128, ProtocolError> {
        self.array(what).map(i128::from_be_bytes)
    }

    /// Reads a big-endian IEEE-754 double.
    #[inline]
    pub fn read_f64(&mut self, what: &'static str) -> Result<f64, ProtocolError> {
        self.array(what).map(f64::from_be_bytes)
    }

    /// Reads an `i32` length that must be `-1` (NULL, returned as `None`) or
    /// within what remains.
    #[inline]
    pub fn read_len(&mut self, what: &'static str) -> Result<Option<usize>, ProtocolError> {
        let len = self.read_i32(what)?;
        if len == -1 {
            return Ok(None);
        }
        if len < 0 || len as usize > self.remaining() {
            return Err(ProtocolError::BadLength {
                what,
                value: len as i64,
            });
        }
        Ok(Some(len as usize))
    }

    /// Reads an `i32` size that must be non-negative and within what remains
    /// (no NULL marker: `-1` is an error too).
    pub fn read_size(&mut self, what: &'static str) -> Result<usize, ProtocolError> {
        let len = self.read_i32(what)?;
        if len < 0 || len as usize > self.remaining() {
            return Err(ProtocolError::BadLength {
                what,
                value: len as i64,
            });
        }
        Ok(len as usize)
    }

    /// Reads an `i32`-length-prefixed byte string (`None` for NULL).
    #[inline]
    pub fn read_bytes(&mut self, what: &'static str) -> Result<Option<&'a [u8]>, ProtocolError> {
        match self.read_len(what)? {
            None => Ok(None),
            Some(n) => self.take(n, what).map(Some),
        }
    }

    /// Reads an `i32`-length-prefixed UTF-8 string (`None` for NULL).
    #[inline]
    pub fn read_str(&mut self, what: &'static str) -> Result<Option<&'a str>, ProtocolError> {
        match self.read_bytes(what)? {
            None => Ok(None),
            Some(b) => std::str::from_utf8(b)
                .map(Some)
                .map_err(|_| ProtocolError::InvalidUtf8(what)),
        }
    }

    /// Reads a count (an `i16` or `i32` already read) that must be
    /// non-negative and fit in what remains at `min_size` bytes per item.
    #[inline]
    pub fn check_count(
        &self,
        count: i64,
        min_size: usize,
        what: &'static str,
    ) -> Result<usize, ProtocolError> {
        if count < 0 || (count as u64).saturating_mul(min_size as u64) > self.remaining() as u64 {
            return Err(ProtocolError::BadLength { what, value: count });
        }
        Ok(count as usize)
    }
}
