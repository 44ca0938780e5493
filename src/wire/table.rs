//! Tables on the wire: the layout (header, columns, rows), parsed into a
//! [`VoltTable`] that keeps the bytes plus a small row index, and encoded
//! from rows of [`Value`]s.
//!
//! A table keeps its wire bytes as they arrived (shared with the response
//! they came in) plus one index built while checking the layout: per row,
//! where the row's first cell starts and where each variable-length cell
//! that columns follow ends. Fixed-size cells are then found at offsets
//! known from the column types (`Place`), shared by every table with the
//! same header. Cells are decoded when read (see `crate::table`).

use std::sync::Arc;

use crate::error::{EncodeError, ProtocolError};
use crate::wire::reader::Reader;
use crate::wire::types::VoltType;
use crate::wire::value::{skip_value, write_value, Value};
use crate::wire::writer::{begin_frame, end_frame, WireWrite};

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

/// Where a column's cell is in every row, from the column types alone.
///
/// A row's index entries are, first, where its segments start: segment 0
/// at the row's first cell, segment `k` just past its `k`-th
/// variable-length cell (only when columns follow it); then, when the
/// table keeps its text, where each VARCHAR cell starts in that text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub(crate) ty: VoltType,
    /// The index entry (segment start) the cell is counted from.
    seg: u32,
    /// Bytes from the segment start to the cell (fixed-size cells only
    /// lie between them).
    rel: u32,
    /// VARCHARs: the index entry with where the cell starts in the
    /// table's text (when kept); 0 for the others.
    text: u32,
}

impl Place {
    /// Where the cell is in the table's bytes, for the row whose index
    /// entries are `entries`.
    #[inline]
    pub(crate) fn offset(&self, entries: &[u32]) -> Option<usize> {
        Some(*entries.get(self.seg as usize)? as usize + self.rel as usize)
    }

    /// A VARCHAR cell of `len` bytes from the table's `text` (validated as
    /// a whole), for the row whose index entries are `entries`; `None`
    /// when the cell alone is not valid UTF-8 (its ends are then not
    /// character boundaries, which `str::get` checks).
    pub(crate) fn text_in<'a>(
        &self,
        text: &'a str,
        entries: &[u32],
        len: usize,
    ) -> Option<&'a str> {
        let start = *entries.get(self.text as usize).filter(|_| self.text > 0)? as usize;
        text.get(start..start.checked_add(len)?)
    }
}

/// Tables with at least this many rows copy their VARCHAR bytes into one
/// string validated once; smaller ones check each VARCHAR cell when read.
const TEXT_MIN_ROWS: usize = 8;

/// A variable-length column, as the row indexer meets it.
#[derive(Debug, Clone, Copy)]
struct Var {
    /// Fixed bytes between the start of its segment and its length prefix.
    rel: u32,
    /// VARCHARs: the index entry of its text start (see [`Place::text`]).
    text: u32,
}

/// The layout of a table's rows: its columns and where their cells are.
/// Shared by the tables of a connection with the same header (see
/// [`ColumnCache`]).
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) columns: Box<[VoltColumn]>,
    /// By column.
    pub(crate) places: Box<[Place]>,
    /// The variable-length columns, in order.
    vars: Box<[Var]>,
    /// Fixed bytes after the last variable-length cell (all of them when
    /// there is none).
    tail: u32,
    /// Segment starts per row in the index (at least 1).
    segs: usize,
    /// Number of VARCHAR columns (their text entries follow the segments).
    strings: usize,
    /// The smallest row these columns allow, its length prefix included.
    min_row: u64,
}

impl Layout {
    fn new(columns: Box<[VoltColumn]>) -> Layout {
        let mut places = Vec::with_capacity(columns.len());
        let mut vars = Vec::new();
        let (mut seg, mut rel, mut fixed) = (0u32, 0u32, 0u64);
        for c in columns.iter() {
            places.push(Place {
                ty: c.ty,
                seg,
                rel,
                text: 0,
            });
            match c.ty.fixed_size() {
                Some(n) => {
                    rel += n as u32;
                    fixed += n as u64;
                }
                None => {
                    vars.push(Var { rel, text: 0 });
                    seg += 1;
                    rel = 0;
                }
            }
        }
        // A segment starts after a variable-length cell only when a column follows it.
        let segs = if columns.last().is_some_and(|c| c.ty.fixed_size().is_none()) {
            seg as usize
        } else {
            seg as usize + 1
        };
        // Text entries follow the segments, one per VARCHAR column.
        let mut strings = 0;
        let mut var = 0;
        for p in places.iter_mut() {
            if p.ty.fixed_size().is_some() {
                continue;
            }
            if p.ty == VoltType::String {
                p.text = (segs + strings) as u32;
                if let Some(v) = vars.get_mut(var) {
                    v.text = p.text;
                }
                strings += 1;
            }
            var += 1;
        }
        Layout {
            min_row: 4 + fixed + 4 * vars.len() as u64,
            columns,
            places: places.into_boxed_slice(),
            vars: vars.into_boxed_slice(),
            tail: rel,
            segs,
            strings,
        }
    }
}

/// The layout of the last table header parsed with it (see
/// [`VoltTable::parse_cached`]); headers longer than
/// [`ColumnCache::MAX_HEADER`] bytes are not kept.
#[derive(Default)]
pub(crate) struct ColumnCache {
    header: Vec<u8>,
    layout: Option<Arc<Layout>>,
}

impl ColumnCache {
    const MAX_HEADER: usize = 4096;

    fn remember(&mut self, header: &[u8], layout: &Arc<Layout>) {
        if header.len() > Self::MAX_HEADER {
            return;
        }
        self.header.clear();
        self.header.extend_from_slice(header);
        self.layout = Some(Arc::clone(layout));
    }

    /// The cached layout when `data` holds its header at `at`, with the
    /// header's length.
    fn lookup(&self, data: &[u8], at: usize) -> Option<(Arc<Layout>, usize)> {
        let layout = self.layout.as_ref()?;
        let key = data.get(at..at.checked_add(self.header.len())?)?;
        (key == self.header.as_slice()).then(|| (Arc::clone(layout), self.header.len()))
    }
}

/// A VoltTable: columns and rows, backed by its wire bytes.
///
/// Cloning is cheap (the table is shared). The row API (`row`, `rows`,
/// `rows_as`, ...) is in `crate::table`.
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

/// A table's row index, its entries per row, and its kept text.
type Indexed = (Vec<u32>, usize, Option<Box<str>>);

/// The index of the `nrows` rows that start at `pos` in `data` (see
/// [`Place`]), its entries per row and, in tables of [`TEXT_MIN_ROWS`]
/// rows or more with VARCHARs, their text; or what is wrong with the
/// first row whose cells do not exactly fill it.
fn index_rows(
    data: &[u8],
    mut pos: usize,
    nrows: usize,
    layout: &Layout,
) -> Result<Indexed, ProtocolError> {
    let keep_text = nrows >= TEXT_MIN_ROWS && layout.strings > 0;
    let stride = layout.segs + if keep_text { layout.strings } else { 0 };
    // Every row at its smallest must fit before the index is allocated:
    // then it takes at most 2 bytes of index per byte of rows (a row has 4
    // bytes of length and 4 per variable-length cell, which has at most
    // two entries), and the text at most the rows' bytes.
    let rows = data.len() - pos;
    let rows_fit = (nrows as u64).saturating_mul(layout.min_row) <= rows as u64;
    let mut index = vec![0u32; if rows_fit { nrows * stride } else { 0 }];
    let mut text = Vec::with_capacity(if rows_fit && keep_text {
        rows + TEXT_CHUNK
    } else {
        0
    });
    let mut entries = index.chunks_exact_mut(stride);
    for row in 0..nrows {
        let text = keep_text.then_some(&mut text);
        match entries
            .next()
            .and_then(|e| index_row(data, pos, layout, e, text))
        {
            Some(next) => pos = next,
            None => return Err(row_error(data, pos, nrows - row, layout)),
        }
    }
    // VARCHARs that are valid UTF-8 as a whole (almost always) are kept.
    let text = if keep_text {
        String::from_utf8(text).ok().map(String::into_boxed_str)
    } else {
        None
    };
    Ok((index, stride, text))
}

/// Indexes the row (`i32` length, then the cells) at `pos` into `entries`:
/// where its segments start and, when `text` is given, where each VARCHAR
/// cell starts in it, to which the cell's bytes are appended. Only the
/// length prefixes are read: the fixed-size cells between them are
/// skipped at once. Returns the offset past the row, or `None` when the
/// cells do not exactly fill it.
fn index_row(
    data: &[u8],
    pos: usize,
    layout: &Layout,
    entries: &mut [u32],
    mut text: Option<&mut Vec<u8>>,
) -> Option<usize> {
    let len = i32::from_be_bytes(*data.get(pos..)?.first_chunk::<4>()?);
    let start = pos + 4;
    let row_end = start.checked_add(usize::try_from(len).ok()?)?;
    let row = data.get(start..row_end)?;
    *entries.first_mut()? = start as u32;
    // Offset in `row`.
    let mut p = 0;
    for (k, v) in layout.vars.iter().enumerate() {
        let at = p + v.rel as usize;
        let n = i32::from_be_bytes(*row.get(at..)?.first_chunk::<4>()?);
        p = at + 4;
        if n < -1 {
            return None;
        }
        let cell = row.get(p..p.checked_add(n.max(0) as usize)?)?;
        p += cell.len();
        if let (Some(text), 1..) = (text.as_deref_mut(), v.text) {
            *entries.get_mut(v.text as usize)? = text.len() as u32;
            keep_cell(text, data, start + p - cell.len(), cell);
        }
        if let Some(s) = entries.get_mut(k + 1).filter(|_| k + 1 < layout.segs) {
            *s = (start + p) as u32;
        }
    }
    (p + layout.tail as usize == row.len()).then_some(row_end)
}

/// Bytes copied at once for a short VARCHAR kept in the table's text.
const TEXT_CHUNK: usize = 128;

/// Appends `cell`, which starts at `at` in `data`, to `text`: a cell of at
/// most [`TEXT_CHUNK`] bytes as the whole chunk that starts with it, then
/// cut to its length. A copy of fixed size has no size-dependent branches
/// (mispredicted for cells of varied lengths): half the parse time of the
/// codec bench's table.
fn keep_cell(text: &mut Vec<u8>, data: &[u8], at: usize, cell: &[u8]) {
    let kept = text.len() + cell.len();
    match data.get(at..at + TEXT_CHUNK) {
        Some(chunk) if cell.len() <= TEXT_CHUNK => text.extend_from_slice(chunk),
        _ => text.extend_from_slice(cell),
    }
    text.truncate(kept);
}

/// What is wrong with the `nrows` rows at `pos`, the first of which
/// [`index_row`] refused: the first error of a cell-by-cell walk.
#[cold]
fn row_error(data: &[u8], pos: usize, nrows: usize, layout: &Layout) -> ProtocolError {
    let walk = || {
        let mut r = Reader::new(data);
        r.skip(pos, "row")?;
        for _ in 0..nrows {
            let len = r.read_size("row length")?;
            let row_end = r.position() + len;
            for c in layout.columns.iter() {
                skip_value(&mut r, c.ty)?;
            }
            if r.position() != row_end {
                return Err(ProtocolError::Malformed("row length"));
            }
        }
        Ok(())
    };
    // A walk that finds nothing wrong (not expected: a row the indexer
    // refuses does not walk cleanly) still reports the row.
    walk()
        .err()
        .unwrap_or(ProtocolError::Malformed("row length"))
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
