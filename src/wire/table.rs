//! Tables on the wire: the layout (header, columns, rows), parsed into a
//! [`VoltTable`] that keeps the bytes plus a small row index, and encoded
//! from rows of [`Value`]s.
//!
//! A table keeps its wire bytes as they arrived (shared with the response
//! they came in) plus one index built while checking the layout: per row,
//! where the row's first cell starts and where each variable-length cell
//! that columns follow ends. Fixed-size cells are then found at offsets
//! known from the column types (`Place`), shared by every table with the
//! same header. Cells are decoded when read, by the row API above.

use std::sync::Arc;

use crate::error::{EncodeError, ProtocolError};
use crate::wire::reader::Reader;
use crate::wire::types::VoltType;
use crate::wire::value::{write_value, Value};
use crate::wire::writer::{begin_frame, end_frame, WireWrite};

mod index;
mod layout;

use index::index_rows;
use layout::Layout;
pub(crate) use layout::{ColumnCache, Place};

/// One column of a table: its name and type.
///
/// `Display` is the Python client's `(NAME: code)`.
///
/// ```
/// use voltdb::{VoltColumn, VoltType};
/// assert_eq!(VoltColumn::new("ID", VoltType::Integer).to_string(), "(ID: 5)");
/// assert_eq!(VoltColumn::new("", VoltType::BigInt).to_string(), "(modified tuples: 6)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VoltColumn {
    /// The column name (may be empty).
    pub name: String,
    /// The column type.
    pub ty: VoltType,
}

impl VoltColumn {
    /// A column.
    pub fn new(name: impl Into<String>, ty: VoltType) -> VoltColumn {
        VoltColumn {
            name: name.into(),
            ty,
        }
    }
}

/// A VoltTable: columns and rows, backed by its wire bytes.
///
/// Cloning is cheap (the table is shared). The row API (`row`, `rows`,
/// `rows_as`, ...) is in the `table` module.
///
/// ```
/// use voltdb::{VoltTable, VoltColumn, VoltType, Value};
/// let mut b = VoltTable::builder(vec![
///     VoltColumn::new("ID", VoltType::Integer),
///     VoltColumn::new("NAME", VoltType::String),
/// ]);
/// b.add_row(&[Value::from(1), Value::from("alice")]).unwrap();
/// b.add_row(&[Value::from(2), Value::Null]).unwrap();
/// let t = b.build();
/// assert_eq!(t.row_count(), 2);
/// let row = t.row(0).unwrap();
/// assert_eq!(row.get::<i32>(0).unwrap(), 1);
/// assert_eq!(row.get::<&str>("NAME").unwrap(), "alice");
/// assert_eq!(t.row(1).unwrap().get::<Option<&str>>(1).unwrap(), None);
/// assert_eq!(t.to_string(), "column count: 2\nrow count: 2\ncols: (ID: 5), (NAME: 9)\nrows -\n[1, 'alice']\n[2, 'NULL']");
/// ```
#[derive(Clone)]
pub struct VoltTable {
    /// Behind one pointer, so that a [`Value::Table`] stays small.
    parts: Arc<Parts>,
}

/// What a [`VoltTable`] holds.
#[derive(Debug)]
struct Parts {
    buf: Arc<Vec<u8>>,
    start: usize,
    end: usize,
    status: i8,
    layout: Arc<Layout>,
    /// Where the first row starts, from `start`.
    rows_start: usize,
    row_count: usize,
    /// `stride` entries per row (offsets from `start`; see [`Place`]).
    index: Vec<u32>,
    stride: usize,
    /// The VARCHAR bytes of every row, validated as UTF-8 at once (tables of
    /// [`TEXT_MIN_ROWS`] rows or more whose VARCHARs are all valid).
    text: Option<Box<str>>,
}

impl VoltTable {
    /// Parses the table that starts at `start` in `buf` (at its `i32` total
    /// length) and returns it with the offset just past it.
    ///
    /// The rows are indexed in one pass that checks that every cell fits
    /// its row; the cells themselves are checked when read.
    pub fn parse(buf: &Arc<Vec<u8>>, start: usize) -> Result<(VoltTable, usize), ProtocolError> {
        VoltTable::parse_cached(buf, start, None)
    }

    /// [`parse`](Self::parse), sharing the columns and their layout with the
    /// last table parsed with `cache` when its header is the same (a
    /// connection gets the same shapes over and over: no allocation for them).
    pub(crate) fn parse_cached(
        buf: &Arc<Vec<u8>>,
        start: usize,
        cache: Option<&mut ColumnCache>,
    ) -> Result<(VoltTable, usize), ProtocolError> {
        let mut r = Reader::new(buf.as_slice());
        r.skip(start, "table")?;
        let total = r.read_size("table length")?;
        let end = r.position() + total;
        // The table alone: offsets below are relative to its start (at most
        // `i32::MAX`, so they fit the `u32` index).
        let data = &buf[start..end];
        let mut r = Reader::new(data);
        r.skip(4, "table")?;
        let header_len = r.read_i32("table header length")?;
        if header_len < 3 || header_len as usize > r.remaining() {
            return Err(ProtocolError::BadLength {
                what: "table header length",
                value: header_len as i64,
            });
        }
        let header_end = r.position() + header_len as usize;
        let status = r.read_i8("table status")?;
        let key_start = r.position();
        // The column count, types and names are the cache's key: when the
        // bytes here are the cached ones, they parse to the cached layout.
        let layout = match cache.as_deref().and_then(|c| c.lookup(data, key_start)) {
            Some((layout, len)) => {
                r.skip(len, "table header")?;
                layout
            }
            None => {
                let layout = Arc::new(Layout::new(read_columns(&mut r)?));
                if let Some(c) = cache {
                    c.remember(&data[key_start..r.position()], &layout);
                }
                layout
            }
        };
        if r.position() > header_end {
            return Err(ProtocolError::Malformed("table header length"));
        }
        r.skip(header_end - r.position(), "table header")?;
        let nrows = r.read_i32("row count")?;
        let row_count = r.check_count(nrows as i64, 4, "row count")?;
        let rows_start = r.position();
        let (index, stride, text) = index_rows(data, rows_start, row_count, &layout)?;
        let parts = Parts {
            buf: Arc::clone(buf),
            start,
            end,
            status,
            layout,
            rows_start,
            row_count,
            index,
            stride,
            text,
        };
        Ok((
            VoltTable {
                parts: Arc::new(parts),
            },
            end,
        ))
    }

    /// A table from its complete encoding (starting with the `i32` total
    /// length); fails on trailing bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<VoltTable, ProtocolError> {
        let buf = Arc::new(bytes);
        let (t, end) = VoltTable::parse(&buf, 0)?;
        if end != buf.len() {
            return Err(ProtocolError::TrailingBytes {
                what: "table",
                extra: buf.len() - end,
            });
        }
        Ok(t)
    }

    /// The complete encoding, with the leading `i32` total length.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        let p = &*self.parts;
        // (Always in range: checked when parsed.)
        p.buf.get(p.start..p.end).unwrap_or_default()
    }

    /// The table status byte (−128 for most server tables; do not rely on it).
    pub fn status(&self) -> i8 {
        self.parts.status
    }

    /// The columns.
    pub fn columns(&self) -> &[VoltColumn] {
        &self.parts.layout.columns
    }

    /// Number of columns.
    #[inline]
    pub fn column_count(&self) -> usize {
        self.parts.layout.columns.len()
    }

    /// Number of rows.
    #[inline]
    pub fn row_count(&self) -> usize {
        self.parts.row_count
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.parts.row_count == 0
    }

    /// Where each column's cell is in a row.
    #[inline]
    pub(crate) fn places(&self) -> &[Place] {
        &self.parts.layout.places
    }

    /// The index entries of every row, [`VoltTable::stride`] per row.
    #[inline]
    pub(crate) fn index(&self) -> &[u32] {
        &self.parts.index
    }

    /// Index entries per row (at least 1).
    #[inline]
    pub(crate) fn stride(&self) -> usize {
        self.parts.stride
    }

    /// The VARCHAR bytes of every row, when the table keeps them (see
    /// [`Place::text_in`]).
    #[inline]
    pub(crate) fn text(&self) -> Option<&str> {
        self.parts.text.as_deref()
    }

    /// An empty table without columns (what a builder gives if its own
    /// bytes fail to parse, which they cannot).
    pub(crate) fn empty(status: i8) -> VoltTable {
        let parts = Parts {
            buf: Arc::new(Vec::new()),
            start: 0,
            end: 0,
            status,
            layout: Arc::new(Layout::new(Box::new([]))),
            rows_start: 0,
            row_count: 0,
            index: Vec::new(),
            stride: 1,
            text: None,
        };
        VoltTable {
            parts: Arc::new(parts),
        }
    }

    /// Where the first row starts in [`as_bytes`](Self::as_bytes).
    #[cfg(test)]
    pub(crate) fn rows_start(&self) -> usize {
        self.parts.rows_start
    }

    /// The bytes of the rows (everything after the row count).
    fn row_bytes(&self) -> &[u8] {
        self.as_bytes()
            .get(self.parts.rows_start..)
            .unwrap_or_default()
    }
}

impl PartialEq for VoltTable {
    /// Same columns and the same row bytes (the status byte is ignored).
    fn eq(&self, other: &VoltTable) -> bool {
        self.columns() == other.columns()
            && self.row_count() == other.row_count()
            && self.row_bytes() == other.row_bytes()
    }
}

impl std::fmt::Debug for VoltTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoltTable")
            .field("columns", &self.columns())
            .field("row_count", &self.row_count())
            .finish()
    }
}

/// The column count, types and names of a table header.
fn read_columns(r: &mut Reader<'_>) -> Result<Box<[VoltColumn]>, ProtocolError> {
    let ncols = r.read_i16("column count")?;
    let ncols = r.check_count(ncols as i64, 5, "column count")?;
    let types = r
        .take(ncols, "column type")?
        .iter()
        .map(|&code| {
            let ty = VoltType::from_code(code as i8)?;
            if matches!(ty, VoltType::Null | VoltType::Table) {
                return Err(ProtocolError::UnexpectedType {
                    ty,
                    context: "a table column",
                });
            }
            Ok(ty)
        })
        .collect::<Result<Vec<VoltType>, ProtocolError>>()?;
    types
        .into_iter()
        .map(|ty| {
            let name = r.read_str("column name")?.unwrap_or("").to_owned();
            Ok(VoltColumn { name, ty })
        })
        .collect()
}

/// Appends one row (its `i32` length, then each value as its column's
/// type) to `out`; on error `out` is left as it was.
pub(crate) fn write_row(
    out: &mut Vec<u8>,
    columns: &[VoltColumn],
    values: &[Value],
) -> Result<(), EncodeError> {
    if values.len() != columns.len() {
        return Err(EncodeError::ParamCount {
            procedure: "<table row>".into(),
            expected: columns.len(),
            got: values.len(),
        });
    }
    if let Some(c) = columns
        .iter()
        .find(|c| matches!(c.ty, VoltType::Null | VoltType::Table))
    {
        return Err(EncodeError::Unsupported {
            ty: c.ty,
            context: "as a table column type",
        });
    }
    let start = out.len();
    let at = begin_frame(out);
    for (c, v) in columns.iter().zip(values) {
        if let Err(e) = write_value(out, c.ty, v) {
            out.truncate(start);
            return Err(e);
        }
    }
    end_frame(out, at);
    Ok(())
}

/// The encoding of a table of `columns` with status byte `status` and
/// `row_count` rows, whose bytes (as [`write_row`] appends them) are `rows`.
pub(crate) fn encode_table(
    status: i8,
    columns: &[VoltColumn],
    row_count: usize,
    rows: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + rows.len());
    let total_at = begin_frame(&mut out);
    let header_at = begin_frame(&mut out);
    out.put_i8(status);
    out.put_i16(columns.len() as i16);
    for c in columns {
        out.put_i8(c.ty.code());
    }
    for c in columns {
        out.put_str(Some(&c.name));
    }
    end_frame(&mut out, header_at);
    out.put_i32(row_count as i32);
    out.put_raw(rows);
    end_frame(&mut out, total_at);
    out
}

#[cfg(test)]
mod tests;
