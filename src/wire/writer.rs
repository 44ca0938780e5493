//! Big-endian writers over a `Vec<u8>`: the only way the codec makes bytes.
//!
//! Writers append and never fail; callers check values (ranges, lengths)
//! before writing, so a rejected value leaves no partial bytes behind.

use byteorder::{BigEndian, WriteBytesExt};

/// Appends big-endian wire fields to a byte vector.
///
/// ```
/// use voltdb::wire::WireWrite;
/// let mut buf = Vec::new();
/// buf.put_i32(7);
/// buf.put_str(Some("hi"));
/// assert_eq!(buf, [0, 0, 0, 7, 0, 0, 0, 2, b'h', b'i']);
/// ```
pub trait WireWrite {
    /// Appends a `u8`.
    fn put_u8(&mut self, v: u8);
    /// Appends an `i8`.
    fn put_i8(&mut self, v: i8) {
        self.put_u8(v as u8)
    }
    /// Appends an `i16`.
    fn put_i16(&mut self, v: i16);
    /// Appends an `i32`.
    fn put_i32(&mut self, v: i32);
    /// Appends an `i64`.
    fn put_i64(&mut self, v: i64);
    /// Appends an `i128`.
    fn put_i128(&mut self, v: i128);
    /// Appends an `f64`.
    fn put_f64(&mut self, v: f64);
    /// Appends raw bytes.
    fn put_raw(&mut self, b: &[u8]);
    /// Appends an `i32`-length-prefixed byte string (`None` = NULL, length −1).
    ///
    /// The caller guarantees `b.len() <= i32::MAX`.
    fn put_bytes(&mut self, b: Option<&[u8]>) {
        match b {
            None => self.put_i32(-1),
            Some(b) => {
                self.put_i32(b.len() as i32);
                self.put_raw(b);
            }
        }
    }
    /// Appends an `i32`-length-prefixed UTF-8 string (`None` = NULL).
    fn put_str(&mut self, s: Option<&str>) {
        self.put_bytes(s.map(str::as_bytes))
    }
}

impl WireWrite for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v)
    }
    fn put_i16(&mut self, v: i16) {
        let _ = WriteBytesExt::write_i16::<BigEndian>(self, v);
    }
    fn put_i32(&mut self, v: i32) {
        let _ = WriteBytesExt::write_i32::<BigEndian>(self, v);
    }
    fn put_i64(&mut self, v: i64) {
        let _ = WriteBytesExt::write_i64::<BigEndian>(self, v);
    }
    fn put_i128(&mut self, v: i128) {
        let _ = WriteBytesExt::write_i128::<BigEndian>(self, v);
    }
    fn put_f64(&mut self, v: f64) {
        let _ = WriteBytesExt::write_f64::<BigEndian>(self, v);
    }
    fn put_raw(&mut self, b: &[u8]) {
        self.extend_from_slice(b)
    }
}

/// Starts a length-prefixed frame in `buf`: reserves the 4-byte prefix and
/// returns its position, to be completed by [`end_frame`].
pub fn begin_frame(buf: &mut Vec<u8>) -> usize {
    let at = buf.len();
    buf.put_i32(0);
    at
}

/// Writes the length of the frame started at `at` into its prefix.
pub fn end_frame(buf: &mut [u8], at: usize) {
    let len = (buf.len() - at - 4) as i32;
    buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
}
