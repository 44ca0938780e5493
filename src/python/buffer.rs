//! The write and read buffers behind [`FastSerializer`](super::FastSerializer)'s
//! Python-style `write_*` and `read_*` methods. All encoding and decoding is
//! `wire`'s: this only keeps the bytes and the read position.

use crate::error::{ProtocolError, Result};
use crate::table::FromVolt;
use crate::wire::reader::Reader;
use crate::wire::types::VoltType;
use crate::wire::value::{read_param, read_raw, read_value, write_param, write_value, Value};
use crate::wire::writer::WireWrite;

/// A write buffer (what `flush` sends) and a read buffer with its position.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    /// The bytes written so far.
    pub(super) w: Vec<u8>,
    r: Vec<u8>,
    rpos: usize,
}

impl Buffers {
    /// Appends `v` as type `ty`, without type byte; on error nothing is appended.
    pub(super) fn write(&mut self, ty: VoltType, v: &Value) -> Result<()> {
        let start = self.w.len();
        Ok(write_value(&mut self.w, ty, v).inspect_err(|_| self.w.truncate(start))?)
    }

    /// Appends the type byte, then the value.
    pub(super) fn write_wire_type(&mut self, ty: VoltType, v: &Value) -> Result<()> {
        Ok(write_param(&mut self.w, Some(ty), v)?)
    }

    /// Appends raw bytes.
    pub(super) fn write_raw(&mut self, b: &[u8]) {
        self.w.put_raw(b)
    }

    /// Inserts the `i32` length of the write buffer at its front.
    pub(super) fn prepend_length(&mut self) {
        let len = (self.w.len() as i32).to_be_bytes();
        self.w.splice(0..0, len);
    }

    /// Replaces the read buffer, to be read from its start.
    pub(super) fn set_read(&mut self, bytes: Vec<u8>) {
        self.r = bytes;
        self.rpos = 0;
    }

    /// Reads a value of type `ty`; NULL is `Value::TypedNull`.
    pub(super) fn read(&mut self, ty: VoltType) -> Result<Value> {
        self.read_with(|r| read_value(r, ty)?.to_value())
    }

    /// Reads a type byte, then a value of that type.
    pub(super) fn read_wire_type(&mut self) -> Result<Value> {
        self.read_with(read_param)
    }

    /// Reads a value of type `ty` as `T` (`None` for NULL).
    pub(super) fn read_as<T>(&mut self, ty: VoltType) -> Result<Option<T>>
    where
        T: for<'a> FromVolt<'a>,
    {
        self.read_with(|r| {
            let v = read_raw(r, ty)?;
            crate::types::from_cell::<Option<T>>(ty, v)
                .map_err(|_| ProtocolError::Malformed("value"))
        })
    }

    /// Runs `f` on a reader at the read position, then moves the position
    /// past what `f` read (not on error).
    fn read_with<T>(
        &mut self,
        f: impl FnOnce(&mut Reader<'_>) -> std::result::Result<T, ProtocolError>,
    ) -> Result<T> {
        let mut r = Reader::new(&self.r);
        r.skip(self.rpos, "read buffer")?;
        let v = f(&mut r)?;
        self.rpos = r.position();
        Ok(v)
    }
}
