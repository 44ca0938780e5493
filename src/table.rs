//! [`VoltTable`], [`VoltColumn`], rows and typed cell access ([`FromVolt`]).
//!
//! A table keeps its wire bytes as they arrived (shared with the response
//! they came in) plus one small index built while validating the layout:
//! per row, where the row's cells start and where each variable-length
//! cell ends (fixed-size cells are found from those at offsets known from
//! the column types, shared by every table of the same header). Cells are
//! decoded when they are read, and binaries are borrowed from the buffer. Strings are borrowed from the buffer too in small tables
//! (checked as UTF-8 when read); tables of 8 rows or more keep a copy of
//! their VARCHAR bytes, validated once, and lend strings from it.

use std::fmt;
use std::sync::Arc;

use crate::error::{ConversionError, EncodeError, ProtocolError};
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::reader::Reader;
use crate::wire::timestamp::{Date, Timestamp};
use crate::wire::types::VoltType;
use crate::wire::value::{read_value, skip_value, write_value, Value, ValueRef};
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

impl fmt::Display for VoltColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() {
            "modified tuples"
        } else {
            &self.name
        };
        write!(f, "({}: {})", name, self.ty.code())
    }
}

/// Tables with at least this many rows copy their VARCHAR bytes into one
/// string validated once (see [`VoltTable::parse`]); smaller ones check each
/// VARCHAR cell when it is read, which is cheaper for a few cells.
const TEXT_MIN_ROWS: usize = 8;

/// Index entries kept in the table itself rather than on the heap (a
/// small result, such as one row of a few columns, allocates no index).
const INLINE_INDEX: usize = 8;

/// A table's row index (see [`Place`]).
#[derive(Debug, Clone)]
enum Index {
    /// The first `.0` entries.
    Inline(u8, [u32; INLINE_INDEX]),
    Heap(Vec<u32>),
}

impl Index {
    #[inline(always)]
    fn as_slice(&self) -> &[u32] {
        match self {
            Index::Inline(n, entries) => entries.get(..*n as usize).unwrap_or_default(),
            Index::Heap(v) => v,
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
struct Place {
    ty: VoltType,
    /// The index entry (segment start) the cell is counted from.
    seg: u32,
    /// Bytes from the segment start to the cell (fixed-size cells only
    /// lie between them).
    rel: u32,
    /// VARCHAR columns: the index entry holding where the cell starts in
    /// the table's text (when kept); 0 for the others.
    text: u32,
    /// The cell's size when fixed; 0 for a variable-length cell.
    width: u16,
}

/// A variable-length column, as the row indexer meets it.
#[derive(Debug, Clone, Copy)]
struct Var {
    /// Fixed bytes between the start of its segment and its length prefix.
    rel: u32,
    /// A VARCHAR: its bytes go to the table's text when it keeps one.
    string: bool,
    /// VARCHARs: the index entry holding where the cell starts in the
    /// table's text (see [`Place::text`]); 0 for the others.
    text: u32,
}

/// The shape of a table: its columns and where their cells are. Shared by
/// the tables of a connection with the same header (see [`ColumnCache`]).
#[derive(Debug)]
struct Shape {
    columns: Box<[VoltColumn]>,
    /// By column.
    places: Box<[Place]>,
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

impl Shape {
    fn new(columns: Box<[VoltColumn]>) -> Shape {
        let mut places = Vec::with_capacity(columns.len());
        let mut vars = Vec::new();
        let (mut seg, mut rel, mut fixed) = (0u32, 0u32, 0u64);
        for c in columns.iter() {
            let size = c.ty.fixed_size();
            places.push(Place {
                ty: c.ty,
                seg,
                rel,
                text: 0,
                width: size.unwrap_or(0) as u16,
            });
            match size {
                Some(n) => {
                    rel += n as u32;
                    fixed += n as u64;
                }
                None => {
                    vars.push(Var {
                        rel,
                        string: c.ty == VoltType::String,
                        text: 0,
                    });
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
        let mut strings = 0;
        for p in places.iter_mut().filter(|p| p.ty == VoltType::String) {
            p.text = (segs + strings) as u32;
            strings += 1;
        }
        let texts = places.iter().filter(|p| p.ty == VoltType::String);
        for (v, p) in vars.iter_mut().filter(|v| v.string).zip(texts) {
            v.text = p.text;
        }
        Shape {
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

/// The shape of the last table header parsed with it (see
/// [`VoltTable::parse_cached`]); headers longer than
/// [`ColumnCache::MAX_HEADER`] bytes are not kept.
#[derive(Default)]
pub(crate) struct ColumnCache {
    header: Vec<u8>,
    shape: Option<Arc<Shape>>,
}

impl ColumnCache {
    const MAX_HEADER: usize = 4096;

    fn remember(&mut self, header: &[u8], shape: &Arc<Shape>) {
        if header.len() > Self::MAX_HEADER {
            return;
        }
        self.header.clear();
        self.header.extend_from_slice(header);
        self.shape = Some(Arc::clone(shape));
    }
}

/// A VoltTable: columns and rows, backed by its wire bytes.
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
    buf: Arc<Vec<u8>>,
    start: usize,
    end: usize,
    status: i8,
    shape: Arc<Shape>,
    rows_start: usize,
    row_count: usize,
    /// `stride` entries per row (offsets from `start`; see [`Place`]).
    index: Index,
    stride: usize,
    /// The VARCHAR bytes of every row, validated as UTF-8 at once (tables of
    /// [`TEXT_MIN_ROWS`] rows or more whose VARCHARs are all valid; otherwise
    /// each VARCHAR cell is checked when read).
    text: Option<Box<str>>,
}

impl VoltTable {
    /// Parses the table that starts at `start` in `buf` (at its `i32` total
    /// length) and returns it with the offset just past it.
    ///
    /// The rows are indexed in one pass that checks that every cell fits
    /// its row. Tables of 8 rows or more also copy their VARCHAR bytes
    /// into one string, validated as UTF-8 in one call, from
    /// which VARCHAR cells are then borrowed without another check; a cell
    /// that is not valid UTF-8 on its own is still an error when read as a
    /// string, and only then.
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
        // bytes here are the cached ones, they parse to the cached shape.
        let hit = cache.as_deref().and_then(|c| {
            let shape = c.shape.as_ref()?;
            let key = data.get(key_start..key_start.checked_add(c.header.len())?)?;
            (key == c.header.as_slice()).then(|| (Arc::clone(shape), c.header.len()))
        });
        let shape = match hit {
            Some((shape, len)) => {
                r.skip(len, "table header")?;
                shape
            }
            None => {
                let ncols = r.read_i16("column count")?;
                let ncols = r.check_count(ncols as i64, 5, "column count")?;
                let types = r.take(ncols, "column type")?;
                for &code in types {
                    let ty = VoltType::from_code(code as i8)?;
                    if matches!(ty, VoltType::Null | VoltType::Table) {
                        return Err(ProtocolError::UnexpectedType {
                            ty,
                            context: "a table column",
                        });
                    }
                }
                let mut names = Reader::new(r.rest());
                let columns = types
                    .iter()
                    .map(|&code| {
                        Ok(VoltColumn {
                            name: names.read_str("column name")?.unwrap_or("").to_owned(),
                            ty: VoltType::from_code(code as i8)?,
                        })
                    })
                    .collect::<Result<Box<[VoltColumn]>, ProtocolError>>()?;
                r.skip(names.position(), "column name")?;
                let shape = Arc::new(Shape::new(columns));
                if let Some(c) = cache {
                    c.remember(&data[key_start..r.position()], &shape);
                }
                shape
            }
        };
        if r.position() > header_end {
            return Err(ProtocolError::Malformed("table header length"));
        }
        r.skip(header_end - r.position(), "table header")?;
        let nrows = r.read_i32("row count")?;
        let nrows = r.check_count(nrows as i64, 4, "row count")?;
        let rows_start = r.position();

        let keep_text = nrows >= TEXT_MIN_ROWS && shape.strings > 0;
        let stride = shape.segs + if keep_text { shape.strings } else { 0 };
        let mut index = Vec::new();
        let mut inline = [0u32; INLINE_INDEX];
        let mut small = false;
        let mut text = Vec::new();
        let mut done = 0;
        let mut pos = rows_start;
        let spare =
            (r.remaining() as u64).checked_sub((nrows as u64).saturating_mul(shape.min_row));
        match spare {
            // Every row fits at its smallest: index them all in place (at
            // most 2 bytes of index per byte of rows: the smallest row has
            // 4 bytes of length and 4 per variable-length cell, which has
            // at most two entries), in the table itself when small.
            Some(spare) => {
                let n = nrows * stride;
                small = n <= INLINE_INDEX;
                let entries = match inline.get_mut(..n) {
                    Some(entries) => entries,
                    None => {
                        index = vec![0u32; n];
                        &mut index[..]
                    }
                };
                if keep_text {
                    text.reserve_exact(spare as usize + TEXT_CHUNK);
                }
                (done, pos) = index_rows(data, pos, &shape, keep_text, entries, stride, &mut text);
                index.truncate(done * stride);
            }
            None => index.reserve(nrows.saturating_mul(stride).min(r.remaining())),
        }
        if small && done < nrows {
            // The walk below appends to a heap index.
            index = inline.get(..done * stride).unwrap_or_default().to_vec();
            small = false;
        }
        // Rows the indexer did not take (a malformed row, or fewer bytes
        // than the row count needs): walked cell by cell for the exact error.
        let mut r = Reader::new(data);
        r.skip(pos, "row")?;
        for _ in done..nrows {
            let row_start = r.position();
            let len = r.read_size("row length")?;
            let row_end = r.position() + len;
            for c in shape.columns.iter() {
                skip_value(&mut r, c.ty)?;
            }
            if r.position() != row_end {
                return Err(ProtocolError::Malformed("row length"));
            }
            // A row that walks cleanly indexes cleanly.
            let at = index.len();
            index.resize(at + stride, 0);
            if index_row(
                data,
                row_start,
                &shape,
                keep_text,
                &mut index[at..],
                &mut text,
            )
            .is_none()
            {
                return Err(ProtocolError::Malformed("row length"));
            }
        }
        // VARCHARs that are valid UTF-8 as a whole (almost always) are kept.
        let text = if keep_text {
            String::from_utf8(text).ok().map(String::into_boxed_str)
        } else {
            None
        };
        let index = if small {
            Index::Inline((nrows * stride) as u8, inline)
        } else {
            Index::Heap(index)
        };
        let table = VoltTable {
            buf: Arc::clone(buf),
            start,
            end,
            status,
            shape,
            rows_start: rows_start + start,
            row_count: nrows,
            index,
            stride,
            text,
        };
        Ok((table, end))
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

    /// Starts building a table with these columns.
    pub fn builder(columns: Vec<VoltColumn>) -> TableBuilder {
        TableBuilder::new(columns)
    }

    /// The complete encoding, with the leading `i32` total length.
    pub fn as_bytes(&self) -> &[u8] {
        // (Always in range: checked when parsed.)
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// The table status byte (−128 for most server tables; do not rely on it).
    pub fn status(&self) -> i8 {
        self.status
    }

    /// The columns.
    pub fn columns(&self) -> &[VoltColumn] {
        &self.shape.columns
    }

    /// Number of columns.
    pub fn column_count(&self) -> usize {
        self.shape.places.len()
    }

    /// Number of rows.
    pub fn row_count(&self) -> usize {
        self.row_count
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.row_count == 0
    }

    /// The index of a column by name (exact match first, then ASCII case-insensitive).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        let columns = &self.shape.columns;
        columns.iter().position(|c| c.name == name).or_else(|| {
            columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
        })
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> Result<Row<'_>, ConversionError> {
        if i >= self.row_count {
            return Err(ConversionError::RowIndex {
                index: i,
                count: self.row_count,
            });
        }
        Ok(self.row_at(i))
    }

    /// Iterates over the rows.
    pub fn rows(&self) -> Rows<'_> {
        Rows {
            table: self,
            next: 0,
            // `stride` is at least 1 (every row has its first segment).
            cells: self.index.as_slice().chunks_exact(self.stride.max(1)),
            data: self.as_bytes(),
        }
    }

    /// Iterates over the rows converted to `T` (a tuple with one element per
    /// column, or any [`FromRow`] type).
    ///
    /// When every element of the tuple is its column's own Rust type
    /// (`i64`/`i32`/`i16`/`i8` for the integer types, `f64`, `&str` or
    /// `String` for VARCHAR, `&[u8]` or `Vec<u8>` for VARBINARY,
    /// [`Decimal`], [`Timestamp`], each as is or in an `Option`), that is
    /// checked once for the table and rows are then read without a type
    /// check per cell: the fastest way to read a large result. Any other
    /// tuple reads the same values through the conversions of
    /// [`Row::get`].
    ///
    /// ```
    /// use voltdb::{Value, VoltColumn, VoltTable, VoltType};
    /// let mut b = VoltTable::builder(vec![
    ///     VoltColumn::new("ID", VoltType::Integer),
    ///     VoltColumn::new("PRICE", VoltType::Float),
    /// ]);
    /// b.add_row(&[Value::from(1), Value::from(2.5)]).unwrap();
    /// b.add_row(&[Value::from(2), Value::Null]).unwrap();
    /// let t = b.build();
    /// let rows: Vec<(i32, Option<f64>)> = t.rows_as().collect::<Result<_, _>>().unwrap();
    /// assert_eq!(rows, [(1, Some(2.5)), (2, None)]);
    /// ```
    pub fn rows_as<'a, T: FromRow<'a>>(&'a self) -> RowsAs<'a, T> {
        RowsAs {
            rows: self.rows(),
            fast: T::reads_natively(Columns(&self.shape.places)),
            text: self.text.as_deref(),
            _to: std::marker::PhantomData,
        }
    }

    /// The first column of the first row, for single-value results
    /// (`SELECT COUNT(*)`, `modified_tuples`).
    pub fn scalar<'a, T: FromVolt<'a>>(&'a self) -> crate::Result<T> {
        Ok(self.row(0)?.get(0)?)
    }

    /// Every row as owned values (the Python client's `tuples`).
    pub fn tuples(&self) -> crate::Result<Vec<Vec<Value>>> {
        self.rows().map(|r| r.values()).collect()
    }

    /// Row `i`, in range.
    #[inline(always)]
    fn row_at(&self, index: usize) -> Row<'_> {
        let at = index * self.stride;
        // Empty only for an empty table (and for a broken index, which
        // then reads as malformed cells rather than panicking).
        let cells = self.index.as_slice().get(at..at + self.stride);
        self.row_with(index, cells.unwrap_or_default())
    }

    /// Row `index`, whose index entries are `cells`.
    #[inline(always)]
    fn row_with<'a>(&'a self, index: usize, cells: &'a [u32]) -> Row<'a> {
        Row {
            table: self,
            index,
            cells,
            data: self.as_bytes(),
            places: &self.shape.places,
        }
    }
}

/// Indexes the rows that start at `pos` in `data` into `index`, `stride`
/// entries per row, appending their VARCHAR bytes to `text` when
/// `keep_text`. Stops at the first row whose cells do not exactly fill it;
/// returns the number of rows indexed and the offset of the next row (the
/// text then ends with the VARCHARs of the rows indexed).
///
/// Tables of one to three variable-length columns (most results) take a
/// loop compiled for their count ([`row_of`]: the columns' offsets at hand,
/// each cell's code inline, fewer values to keep across a row): about a
/// quarter fewer instructions per row than [`index_row`]'s loop over
/// [`Shape::vars`], which the others take.
fn index_rows(
    data: &[u8],
    pos: usize,
    shape: &Shape,
    keep_text: bool,
    index: &mut [u32],
    stride: usize,
    text: &mut Vec<u8>,
) -> (usize, usize) {
    if keep_text {
        rows_by_count::<true>(data, pos, shape, index, stride, text)
    } else {
        rows_by_count::<false>(data, pos, shape, index, stride, text)
    }
}

/// [`index_rows`], with `keep_text` (`KEEP`) known when compiled.
#[inline(always)]
fn rows_by_count<const KEEP: bool>(
    data: &[u8],
    pos: usize,
    shape: &Shape,
    index: &mut [u32],
    stride: usize,
    text: &mut Vec<u8>,
) -> (usize, usize) {
    match *shape.vars {
        [a] => rows_of::<KEEP, 1>(data, pos, &[a], shape, index, stride, text),
        [a, b] => rows_of::<KEEP, 2>(data, pos, &[a, b], shape, index, stride, text),
        [a, b, c] => rows_of::<KEEP, 3>(data, pos, &[a, b, c], shape, index, stride, text),
        _ => rows_of_any(data, pos, shape, KEEP, index, stride, text),
    }
}

/// [`index_rows`] for tables of `N` variable-length columns, `vars`.
#[inline(never)]
fn rows_of<const KEEP: bool, const N: usize>(
    data: &[u8],
    pos: usize,
    vars: &[Var; N],
    shape: &Shape,
    index: &mut [u32],
    stride: usize,
    text: &mut Vec<u8>,
) -> (usize, usize) {
    let tail = shape.tail as usize;
    each_row(pos, index, stride, text, |pos, entries, text| {
        row_of::<KEEP, N>(data, pos, vars, tail, entries, text)
    })
}

/// [`index_rows`] for any table: [`index_row`] row by row.
#[inline(never)]
fn rows_of_any(
    data: &[u8],
    pos: usize,
    shape: &Shape,
    keep_text: bool,
    index: &mut [u32],
    stride: usize,
    text: &mut Vec<u8>,
) -> (usize, usize) {
    each_row(pos, index, stride, text, |pos, entries, text| {
        index_row(data, pos, shape, keep_text, entries, text)
    })
}

/// Indexes rows with `row` (the row at an offset into its `stride`
/// entries, appending to `text`; the offset past it, or `None`) from
/// `pos` until `index` is full or a row does not index (its text is then
/// taken back): the number of rows indexed and the next row's offset.
#[inline(always)]
fn each_row(
    mut pos: usize,
    index: &mut [u32],
    stride: usize,
    text: &mut Vec<u8>,
    mut row: impl FnMut(usize, &mut [u32], &mut Vec<u8>) -> Option<usize>,
) -> (usize, usize) {
    let mut done = 0;
    for entries in index.chunks_exact_mut(stride) {
        let text_len = text.len();
        match row(pos, entries, text) {
            Some(next) => pos = next,
            None => {
                text.truncate(text_len);
                break;
            }
        }
        done += 1;
    }
    (done, pos)
}

/// [`index_row`] for a table of `N` variable-length columns, `vars`, whose
/// fixed bytes after the last one are `tail`: the same entries, text and
/// result, from the same reads. The row's cells are read from its own
/// bytes, `row`, checked against the buffer once.
#[inline(always)]
fn row_of<const KEEP: bool, const N: usize>(
    data: &[u8],
    pos: usize,
    vars: &[Var; N],
    tail: usize,
    entries: &mut [u32],
    text: &mut Vec<u8>,
) -> Option<usize> {
    let len = i32::from_be_bytes(*data.get(pos..)?.first_chunk::<4>()?);
    let start = pos + 4;
    let row_end = start.checked_add(usize::try_from(len).ok()?)?;
    let row = data.get(start..row_end)?;
    *entries.first_mut()? = start as u32;
    // Offset in `row`.
    let mut p = 0;
    for (k, v) in vars.iter().enumerate() {
        let at = p + v.rel as usize;
        let n = i32::from_be_bytes(*row.get(at..)?.first_chunk::<4>()?);
        p = at + 4;
        let keep = KEEP && v.string;
        if keep {
            if let Some(s) = entries.get_mut(v.text as usize) {
                *s = text.len() as u32;
            }
        }
        if n > 0 {
            let cell = row.get(p..)?.get(..n as usize)?;
            if keep {
                keep_cell(text, data, start + p, cell);
            }
            p += n as usize;
        } else if n < -1 {
            return None;
        }
        // A segment starts after every variable-length cell but the last,
        // and after the last when fixed-size cells follow it.
        if k + 1 < N || tail > 0 {
            if let Some(s) = entries.get_mut(k + 1) {
                *s = (start + p) as u32;
            }
        }
    }
    (p + tail == row.len()).then_some(row_end)
}

/// Indexes the row (`i32` length, then the cells) at `pos` into `entries`
/// (see [`Place`]): where its segments start, then, when `keep_text`, where
/// each VARCHAR cell starts in `text`, to which its bytes are appended.
/// Only the length prefixes are read: the fixed-size cells between them
/// are skipped at once. Returns the offset past the row, or `None` when
/// the cells do not exactly fill it.
#[inline(always)]
fn index_row(
    data: &[u8],
    pos: usize,
    shape: &Shape,
    keep_text: bool,
    entries: &mut [u32],
    text: &mut Vec<u8>,
) -> Option<usize> {
    let len = i32::from_be_bytes(*data.get(pos..)?.first_chunk::<4>()?);
    let mut p = pos + 4;
    let row_end = p.checked_add(usize::try_from(len).ok()?)?;
    if row_end > data.len() {
        return None;
    }
    let (segs, starts) = entries.split_at_mut(shape.segs.min(entries.len()));
    *segs.first_mut()? = p as u32;
    let mut starts = starts.iter_mut();
    for (k, v) in shape.vars.iter().enumerate() {
        let at = p + v.rel as usize;
        let n = i32::from_be_bytes(*data.get(at..row_end)?.first_chunk::<4>()?);
        p = at + 4;
        let keep = keep_text && v.string;
        if keep {
            if let Some(s) = starts.next() {
                *s = text.len() as u32;
            }
        }
        if n > 0 {
            let cell = data.get(p..row_end)?.get(..n as usize)?;
            if keep {
                keep_cell(text, data, p, cell);
            }
            p += n as usize;
        } else if n < -1 {
            return None;
        }
        if let Some(s) = segs.get_mut(k + 1) {
            *s = p as u32;
        }
    }
    (p + shape.tail as usize == row_end).then_some(row_end)
}

/// Bytes copied at once for a short VARCHAR kept in the table's text.
const TEXT_CHUNK: usize = 128;

/// Appends `cell`, which starts at `at` in `data`, to `text`. A cell of at
/// most [`TEXT_CHUNK`] bytes is copied as the whole chunk that starts with
/// it, then cut to its length: a copy of fixed size, without the
/// size-dependent branches (often mispredicted for cells of varied
/// lengths) of a copy of the cell's own size. `text` is expected to have
/// room for `TEXT_CHUNK` bytes more than it keeps.
#[inline(always)]
fn keep_cell(text: &mut Vec<u8>, data: &[u8], at: usize, cell: &[u8]) {
    let kept = text.len() + cell.len();
    match data.get(at..at + TEXT_CHUNK) {
        Some(chunk) if cell.len() <= TEXT_CHUNK => {
            text.extend_from_slice(chunk);
            text.truncate(kept);
        }
        _ => text.extend_from_slice(cell),
    }
}

impl PartialEq for VoltTable {
    /// Same columns and the same row bytes (the status byte is ignored).
    fn eq(&self, other: &VoltTable) -> bool {
        self.shape.columns == other.shape.columns
            && self.row_count == other.row_count
            && self.buf[self.rows_start..self.end] == other.buf[other.rows_start..other.end]
    }
}

impl fmt::Debug for VoltTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoltTable")
            .field("columns", &self.shape.columns)
            .field("row_count", &self.row_count)
            .finish()
    }
}

impl fmt::Display for VoltTable {
    /// The Python client's `str(table)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column count: {}\nrow count: {}\ncols: ",
            self.column_count(),
            self.row_count
        )?;
        for (i, c) in self.columns().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("\nrows -\n")?;
        for (i, row) in self.rows().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{row}")?;
        }
        Ok(())
    }
}

/// Builds a [`VoltTable`] row by row (for the test server, and for tables
/// sent as parameters).
#[derive(Debug, Clone)]
pub struct TableBuilder {
    columns: Vec<VoltColumn>,
    rows: Vec<u8>,
    row_count: usize,
    status: i8,
}

impl TableBuilder {
    /// A builder for these columns.
    pub fn new(columns: Vec<VoltColumn>) -> TableBuilder {
        TableBuilder {
            columns,
            rows: Vec::new(),
            row_count: 0,
            status: -128,
        }
    }

    /// Sets the status byte (default −128, as the server writes).
    pub fn status(mut self, status: i8) -> TableBuilder {
        self.status = status;
        self
    }

    /// Appends a row; values are converted to the column types (exactly, or an error).
    pub fn add_row(&mut self, values: &[Value]) -> Result<&mut TableBuilder, EncodeError> {
        if values.len() != self.columns.len() {
            return Err(EncodeError::ParamCount {
                procedure: "<table row>".into(),
                expected: self.columns.len(),
                got: values.len(),
            });
        }
        if let Some(c) = self
            .columns
            .iter()
            .find(|c| matches!(c.ty, VoltType::Null | VoltType::Table))
        {
            return Err(EncodeError::Unsupported {
                ty: c.ty,
                context: "as a table column type",
            });
        }
        let start = self.rows.len();
        let at = begin_frame(&mut self.rows);
        for (c, v) in self.columns.iter().zip(values) {
            if let Err(e) = write_value(&mut self.rows, c.ty, v) {
                self.rows.truncate(start);
                return Err(e);
            }
        }
        end_frame(&mut self.rows, at);
        self.row_count += 1;
        Ok(self)
    }

    /// Encodes the table.
    pub fn build(&self) -> VoltTable {
        let mut out = Vec::with_capacity(64 + self.rows.len());
        let total_at = begin_frame(&mut out);
        let header_at = begin_frame(&mut out);
        out.put_i8(self.status);
        out.put_i16(self.columns.len() as i16);
        for c in &self.columns {
            out.put_i8(c.ty.code());
        }
        for c in &self.columns {
            out.put_str(Some(&c.name));
        }
        end_frame(&mut out, header_at);
        out.put_i32(self.row_count as i32);
        out.put_raw(&self.rows);
        end_frame(&mut out, total_at);
        // The bytes were made by this builder from checked values; parsing
        // them cannot fail, but a failure is still reported as an empty table
        // rather than a panic.
        VoltTable::from_bytes(out).unwrap_or_else(|_| TableBuilder::new(Vec::new()).build_empty())
    }

    fn build_empty(&self) -> VoltTable {
        VoltTable {
            buf: Arc::new(Vec::new()),
            start: 0,
            end: 0,
            status: self.status,
            shape: Arc::new(Shape::new(Box::new([]))),
            rows_start: 0,
            row_count: 0,
            index: Index::Heap(Vec::new()),
            stride: 0,
            text: None,
        }
    }
}

/// A column given by index or by name.
pub trait ColumnIndex {
    /// The column's index in `table`.
    fn index(&self, table: &VoltTable) -> Result<usize, ConversionError>;

    /// The column's index in `row`'s table ([`index`](Self::index), or a
    /// faster path with the same result). Not for use outside the crate.
    #[doc(hidden)]
    #[inline(always)]
    fn index_in_row(&self, row: &Row<'_>) -> Result<usize, ConversionError> {
        self.index(row.table)
    }
}

impl ColumnIndex for usize {
    fn index(&self, table: &VoltTable) -> Result<usize, ConversionError> {
        column_in(*self, table.column_count())
    }

    #[inline(always)]
    fn index_in_row(&self, row: &Row<'_>) -> Result<usize, ConversionError> {
        // The row's own copy of the column count: no trip through the table.
        column_in(*self, row.places.len())
    }
}

#[inline(always)]
fn column_in(index: usize, count: usize) -> Result<usize, ConversionError> {
    if index < count {
        Ok(index)
    } else {
        Err(ConversionError::ColumnIndex { index, count })
    }
}

impl ColumnIndex for &str {
    fn index(&self, table: &VoltTable) -> Result<usize, ConversionError> {
        table
            .column_index(self)
            .ok_or_else(|| ConversionError::NoSuchColumn((*self).to_string()))
    }
}

/// One row of a [`VoltTable`].
#[derive(Clone, Copy)]
pub struct Row<'a> {
    table: &'a VoltTable,
    index: usize,
    /// The row's entries in the table's index.
    cells: &'a [u32],
    /// The table's bytes (the cell offsets are relative to them).
    data: &'a [u8],
    /// Where the cells are, by column (the table's, at hand).
    places: &'a [Place],
}

impl<'a> Row<'a> {
    /// The row's index in its table.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.table.column_count()
    }

    /// True for a table without columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A cell, converted to `T` (use `Option<T>` for nullable columns).
    #[inline(always)]
    pub fn get<T: FromVolt<'a>>(&self, col: impl ColumnIndex) -> Result<T, ConversionError> {
        let c = col.index_in_row(self)?;
        T::from_cell(&self.cell_at(c)?).map_err(|e| e.at(c))
    }

    /// A cell as a borrowed [`ValueRef`].
    pub fn get_ref(&self, col: impl ColumnIndex) -> Result<ValueRef<'a>, ConversionError> {
        let c = col.index_in_row(self)?;
        self.cell_at(c)?.value()
    }

    /// The cell in column `col` (in range).
    #[inline(always)]
    fn cell_at(&self, col: usize) -> Result<Cell<'a>, ConversionError> {
        let place = self.places.get(col);
        match place.and_then(|p| Some((p, *self.cells.get(p.seg as usize)?))) {
            Some((p, base)) => Ok(Cell {
                data: self.data,
                cells: self.cells,
                text_buf: &self.table.text,
                col,
                off: base as usize + p.rel as usize,
                ty: p.ty,
                text: p.text,
            }),
            // Not reached: `col` is checked against the columns, and every
            // row has the entries its columns need.
            _ => Err(ConversionError::Malformed {
                column: col,
                problem: ProtocolError::Malformed("cell index"),
            }),
        }
    }

    /// The whole row converted to `T`: a tuple with one element per
    /// column, or any type implementing [`FromRow`].
    ///
    /// ```
    /// use voltdb::{Value, VoltColumn, VoltTable, VoltType};
    /// let mut b = VoltTable::builder(vec![
    ///     VoltColumn::new("ID", VoltType::BigInt),
    ///     VoltColumn::new("NAME", VoltType::String),
    /// ]);
    /// b.add_row(&[Value::from(7i64), Value::from("seven")]).unwrap();
    /// let t = b.build();
    /// let (id, name): (i64, Option<&str>) = t.row(0).unwrap().to().unwrap();
    /// assert_eq!((id, name), (7, Some("seven")));
    /// // One element per column: a tuple of another size is an error.
    /// assert!(t.row(0).unwrap().to::<(i64,)>().is_err());
    /// ```
    #[inline(always)]
    pub fn to<T: FromRow<'a>>(&self) -> Result<T, ConversionError> {
        T::from_row(self)
    }

    /// A cursor over the cells of this row, which must have `columns`
    /// columns.
    #[inline(always)]
    fn cursor(&self, columns: usize) -> Result<Cursor<'a>, ConversionError> {
        if self.places.len() != columns {
            return Err(ConversionError::ColumnCount {
                expected: columns,
                found: self.places.len(),
            });
        }
        Ok(self.cursor_unchecked())
    }

    /// A cursor over the cells of this row.
    #[inline(always)]
    fn cursor_unchecked(&self) -> Cursor<'a> {
        Cursor {
            along: Along::at(
                self.data,
                self.cells,
                self.table.text.as_deref(),
                self.table.shape.segs,
            ),
            data: self.data,
            places: self.places.iter(),
            col: 0,
            cells: self.cells,
            text_buf: &self.table.text,
        }
    }

    /// Every cell as an owned [`Value`].
    pub fn values(&self) -> crate::Result<Vec<Value>> {
        (0..self.len())
            .map(|c| Ok(self.cell_at(c)?.value()?.to_value()?))
            .collect()
    }
}

impl fmt::Display for Row<'_> {
    /// Python's `str(list)` of the row, NULL shown as `'NULL'`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for c in 0..self.len() {
            if c > 0 {
                f.write_str(", ")?;
            }
            match self.cell_at(c).and_then(|c| c.value()) {
                Ok(v) => f.write_str(&v.python_repr())?,
                Err(_) => f.write_str("<malformed>")?,
            }
        }
        f.write_str("]")
    }
}

impl fmt::Debug for Row<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Row({self})")
    }
}

/// Iterator over the rows of a table.
pub struct Rows<'a> {
    table: &'a VoltTable,
    next: usize,
    /// The index entries of the rows still to come.
    cells: std::slice::ChunksExact<'a, u32>,
    data: &'a [u8],
}

impl<'a> Rows<'a> {
    /// The next row's number and index entries.
    #[inline(always)]
    fn next_cells(&mut self) -> Option<(usize, &'a [u32])> {
        if self.next >= self.table.row_count {
            return None;
        }
        self.next += 1;
        // Empty only for a broken index (malformed cells, no panic).
        Some((self.next - 1, self.cells.next().unwrap_or_default()))
    }
}

impl<'a> Iterator for Rows<'a> {
    type Item = Row<'a>;
    #[inline]
    fn next(&mut self) -> Option<Row<'a>> {
        let (index, cells) = self.next_cells()?;
        // (`row_with`, with the table's bytes found once for all rows.)
        Some(Row {
            table: self.table,
            index,
            cells,
            data: self.data,
            places: &self.table.shape.places,
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.table.row_count - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Rows<'_> {}

/// Iterator over the rows of a table converted to `T` (see
/// [`VoltTable::rows_as`]).
pub struct RowsAs<'a, T> {
    rows: Rows<'a>,
    /// `T` reads these columns natively ([`FromRow::reads_natively`]).
    fast: bool,
    /// The table's kept text.
    text: Option<&'a str>,
    _to: std::marker::PhantomData<fn() -> T>,
}

impl<'a, T: FromRow<'a>> Iterator for RowsAs<'a, T> {
    type Item = Result<T, ConversionError>;
    #[inline(always)]
    fn next(&mut self) -> Option<Result<T, ConversionError>> {
        let (index, cells) = self.rows.next_cells()?;
        let table = self.rows.table;
        if self.fast {
            let mut along = Along::at(self.rows.data, cells, self.text, table.shape.segs);
            if let Some(v) = T::from_row_fast(&mut along) {
                return Some(Ok(v));
            }
        }
        Some(from_row_slowly(table, index, cells))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

impl<'a, T: FromRow<'a>> ExactSizeIterator for RowsAs<'a, T> {}

/// [`FromRow::from_row`], out of the row loop of [`RowsAs`] (whose fast
/// path reads most rows).
#[inline(never)]
fn from_row_slowly<'a, T: FromRow<'a>>(
    table: &'a VoltTable,
    index: usize,
    cells: &'a [u32],
) -> Result<T, ConversionError> {
    T::from_row(&table.row_with(index, cells))
}

impl<'a> IntoIterator for &'a VoltTable {
    type Item = Row<'a>;
    type IntoIter = Rows<'a>;
    fn into_iter(self) -> Rows<'a> {
        self.rows()
    }
}

impl ConversionError {
    /// Sets the column index of a conversion error made without one.
    pub(crate) fn at(self, column: usize) -> ConversionError {
        match self {
            ConversionError::UnexpectedNull { .. } => ConversionError::UnexpectedNull { column },
            ConversionError::WrongType { ty, target, .. } => {
                ConversionError::WrongType { column, ty, target }
            }
            ConversionError::Overflow { target, .. } => {
                ConversionError::Overflow { column, target }
            }
            ConversionError::Malformed { problem, .. } => {
                ConversionError::Malformed { column, problem }
            }
            other => other,
        }
    }
}

mod sealed {
    use super::VoltType;

    /// One cell of a table, located (what [`FromVolt`](super::FromVolt)'s
    /// hidden fast paths read). Not constructible outside the crate.
    #[derive(Clone, Copy)]
    pub struct Cell<'a> {
        /// The table's bytes.
        pub(super) data: &'a [u8],
        /// The row's index entries.
        pub(super) cells: &'a [u32],
        /// The table's VARCHAR text, when it keeps one.
        pub(super) text_buf: &'a Option<Box<str>>,
        pub(super) col: usize,
        /// Offset of the cell in the table's bytes.
        pub(super) off: usize,
        pub(super) ty: VoltType,
        /// VARCHARs: the row's index entry with where the cell starts in
        /// the table's text (when kept).
        pub(super) text: u32,
    }

    /// A table's columns, as [`FromRow`](super::FromRow) checks them once
    /// per table. Not constructible outside the crate.
    #[derive(Clone, Copy)]
    pub struct Columns<'a>(pub(super) &'a [super::Place]);

    /// Where a row is being read, from one cell on: what the native
    /// readers of [`FromVolt`](super::FromVolt) read from, each moving it
    /// past its cell. Not constructible outside the crate.
    pub struct Along<'a> {
        /// The table's bytes from the next cell on.
        pub(super) rest: &'a [u8],
        /// The table's VARCHAR text, when it keeps one.
        pub(super) text: Option<&'a str>,
        /// Where the next VARCHAR cell starts in that text.
        pub(super) text_at: usize,
    }

    /// A row's cells, read in column order with their types (what
    /// [`FromRow`](super::FromRow) for tuples reads through). Not
    /// constructible outside the crate.
    pub struct Cursor<'a> {
        pub(super) along: Along<'a>,
        /// The table's bytes.
        pub(super) data: &'a [u8],
        /// The places of the columns still to read.
        pub(super) places: std::slice::Iter<'a, super::Place>,
        /// The next column.
        pub(super) col: usize,
        /// The row's index entries.
        pub(super) cells: &'a [u32],
        /// The table's VARCHAR text, when it keeps one.
        pub(super) text_buf: &'a Option<Box<str>>,
    }
}

use sealed::{Along, Cell, Columns, Cursor};

/// A fixed-size value as its column type stores it: big-endian, with the
/// type's NULL sentinel.
trait Fixed<const N: usize>: Sized {
    /// The value (`None` for NULL).
    fn of(b: [u8; N]) -> Option<Self>;
}

macro_rules! fixed_int {
    ($($t:ty: $n:literal = $null:ident),*) => {$(
        impl Fixed<$n> for $t {
            #[inline(always)]
            fn of(b: [u8; $n]) -> Option<$t> {
                let v = <$t>::from_be_bytes(b);
                (v != crate::wire::types::null::$null).then_some(v)
            }
        }
    )*};
}

fixed_int!(i8: 1 = TINYINT, i16: 2 = SMALLINT, i32: 4 = INTEGER, i64: 8 = BIGINT);

impl Fixed<8> for f64 {
    #[inline(always)]
    fn of(b: [u8; 8]) -> Option<f64> {
        let bits = u64::from_be_bytes(b);
        (bits != crate::wire::types::null::FLOAT_BITS).then(|| f64::from_bits(bits))
    }
}

impl Fixed<16> for Decimal {
    #[inline(always)]
    fn of(b: [u8; 16]) -> Option<Decimal> {
        let v = i128::from_be_bytes(b);
        (v != crate::wire::types::null::DECIMAL).then(|| Decimal::from_wire(v))
    }
}

impl Fixed<8> for Timestamp {
    #[inline(always)]
    fn of(b: [u8; 8]) -> Option<Timestamp> {
        let v = i64::from_be_bytes(b);
        (v != crate::wire::types::null::TIMESTAMP).then(|| Timestamp::from_micros(v))
    }
}

/// The length-prefixed cell at the start of `b`: its bytes (`None` for
/// NULL) and the bytes after it; `None` when it does not fit.
#[inline(always)]
fn split_var(b: &[u8]) -> Option<(Option<&[u8]>, &[u8])> {
    let (len, rest) = b.split_first_chunk::<4>()?;
    let len = i32::from_be_bytes(*len);
    if len == -1 {
        return Some((None, rest));
    }
    let (cell, rest) = rest.split_at_checked(usize::try_from(len).ok()?)?;
    Some((Some(cell), rest))
}

/// A VARCHAR cell of `len` bytes borrowed from the table's validated
/// `text`, where it starts at the row's index entry `entry` (0: none).
#[inline(always)]
fn kept_text<'a>(text: &'a str, cells: &[u32], entry: u32, len: usize) -> Option<&'a str> {
    if entry == 0 {
        return None;
    }
    text_at(text, *cells.get(entry as usize)? as usize, len)
}

/// The `len` bytes at `start` of the table's validated `text`. The text is
/// valid UTF-8 as a whole, so the cell is valid on its own exactly when
/// both its ends are character boundaries: what `str::get` checks; `None`
/// otherwise.
#[inline(always)]
fn text_at(text: &str, start: usize, len: usize) -> Option<&str> {
    text.get(start..start.checked_add(len)?)
}

impl<'a> Cursor<'a> {
    /// The next cell, converted to `T`; the cursor moves past it.
    #[inline(always)]
    fn read<T: FromVolt<'a>>(&mut self) -> Result<T, ConversionError> {
        T::from_cursor(self)
    }

    /// The next cell converted to `T` through [`FromVolt::from_cell`].
    #[inline(always)]
    fn general<T: FromVolt<'a>>(&mut self) -> Result<T, ConversionError> {
        let col = self.col;
        let cell = self.next_cell()?;
        T::from_cell(&cell).map_err(|e| e.at(col))
    }

    /// The next cell read by `T`'s native reader (`Some(None)` for NULL),
    /// when its column has `T`'s native type and its bytes read; `None`,
    /// with the cursor unmoved, otherwise.
    #[inline(always)]
    fn native<T: FromVolt<'a>>(&mut self) -> Option<Option<T>> {
        let p = self.places.as_slice().first()?;
        if T::NATIVE != Some(p.ty) {
            return None;
        }
        let start = self.along.rest;
        match T::native(&mut self.along) {
            Some(v) => {
                self.places.next();
                self.col += 1;
                Some(v)
            }
            None => {
                self.along.rest = start;
                None
            }
        }
    }

    /// The next cell (columns are walked in order: fixed-size cells are
    /// stepped over by their size, variable-length ones by their length
    /// prefix).
    #[inline(always)]
    fn next_cell(&mut self) -> Result<Cell<'a>, ConversionError> {
        let Some(p) = self.places.next() else {
            return Err(ConversionError::ColumnIndex {
                index: self.col,
                count: self.col,
            });
        };
        let rest = self.along.rest;
        let off = self.data.len() - rest.len();
        let size = match p.width {
            0 => {
                let len = rest
                    .first_chunk::<4>()
                    .map_or(0, |b| i32::from_be_bytes(*b));
                let len = len.max(0) as usize;
                if p.ty == VoltType::String {
                    self.along.text_at = self.along.text_at.saturating_add(len);
                }
                4 + len
            }
            w => w as usize,
        };
        // A broken index reads as malformed cells (the general path
        // reports them), not as a panic.
        self.along.rest = rest.get(size..).unwrap_or_default();
        let col = self.col;
        self.col += 1;
        Ok(Cell {
            data: self.data,
            cells: self.cells,
            text_buf: self.text_buf,
            col,
            off,
            ty: p.ty,
            text: p.text,
        })
    }
}

impl<'a> Along<'a> {
    /// Where row `cells` (its index entries) of a table with these bytes,
    /// text and segments per row starts (an empty table has no rows to
    /// read; a broken index reads as malformed cells).
    #[inline(always)]
    fn at(data: &'a [u8], cells: &[u32], text: Option<&'a str>, segs: usize) -> Along<'a> {
        Along {
            rest: cells
                .first()
                .and_then(|&p| data.get(p as usize..))
                .unwrap_or_default(),
            text,
            // The row's first VARCHAR (when the table keeps its text).
            text_at: cells.get(segs).map_or(usize::MAX, |&e| e as usize),
        }
    }

    /// The next `N` bytes.
    #[inline(always)]
    fn fixed<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (b, rest) = self.rest.split_first_chunk::<N>()?;
        self.rest = rest;
        Some(*b)
    }

    /// The next fixed-size cell as `T` (`Some(None)` for NULL).
    #[inline(always)]
    fn fixed_as<const N: usize, T: Fixed<N>>(&mut self) -> Option<Option<T>> {
        self.fixed().map(T::of)
    }

    /// A length-prefixed cell's bytes (`Some(None)` for NULL).
    #[inline(always)]
    fn var(&mut self) -> Option<Option<&'a [u8]>> {
        let (b, rest) = split_var(self.rest)?;
        self.rest = rest;
        Some(b)
    }

    /// A VARCHAR cell (`Some(None)` for NULL), from the table's text when
    /// it keeps one (where it starts where the previous one of the row
    /// ended).
    #[inline(always)]
    fn str(&mut self) -> Option<Option<&'a str>> {
        let Some(b) = self.var()? else {
            return Some(None);
        };
        match self.text {
            Some(text) => {
                let s = text_at(text, self.text_at, b.len())?;
                self.text_at += b.len();
                Some(Some(s))
            }
            None => std::str::from_utf8(b).ok().map(Some),
        }
    }
}

impl<'a> Cell<'a> {
    /// The cell decoded as a [`ValueRef`] (the general path, and the one
    /// every error comes from).
    #[inline]
    fn value(&self) -> Result<ValueRef<'a>, ConversionError> {
        if self.ty == VoltType::String {
            if let Some(s) = self.text() {
                return Ok(s.map_or(ValueRef::Null(VoltType::String), ValueRef::String));
            }
        }
        let mut r = Reader::new(self.data.get(self.off..).unwrap_or_default());
        read_value(&mut r, self.ty).map_err(|problem| ConversionError::Malformed {
            column: self.col,
            problem,
        })
    }

    /// The first `N` bytes of the cell (`None` only for a broken index).
    #[inline(always)]
    fn fixed<const N: usize>(&self) -> Option<[u8; N]> {
        self.data
            .get(self.off..self.off + N)
            .and_then(|b| b.try_into().ok())
    }

    /// A fixed-size cell of type `ty`, converted by `read` (which gives
    /// `None` for the type's NULL); `None` when the column has another type
    /// (or for a broken index, which the general path reports).
    #[inline(always)]
    fn fixed_of<const N: usize, T>(
        &self,
        ty: VoltType,
        read: impl FnOnce([u8; N]) -> Option<T>,
    ) -> Option<Option<T>> {
        if self.ty != ty {
            return None;
        }
        self.fixed().map(read)
    }

    /// The `i32` length of a length-prefixed cell and its bytes; `None` for
    /// NULL (or a broken index, which the general path reports).
    #[inline(always)]
    fn var(&self) -> Option<Option<&'a [u8]>> {
        split_var(self.data.get(self.off..)?).map(|(b, _)| b)
    }

    /// A VARCHAR cell from the table's validated text: `Some(None)` for
    /// NULL, `None` when the table keeps no text (or the cell is not valid
    /// UTF-8 on its own, which the general path reports).
    #[inline(always)]
    fn text(&self) -> Option<Option<&'a str>> {
        let text: &'a str = self.text_buf.as_deref()?;
        let len = i32::from_be_bytes(self.fixed::<4>()?);
        if len == -1 {
            return Some(None);
        }
        kept_text(text, self.cells, self.text, usize::try_from(len).ok()?).map(Some)
    }

    /// A VARCHAR cell as a string (`None` for NULL).
    #[inline(always)]
    fn str(&self) -> Result<Option<&'a str>, ConversionError> {
        if let Some(s) = self.text() {
            return Ok(s);
        }
        if self.text_buf.is_none() {
            if let Some(b) = self.var() {
                if let Ok(s) = b.map(std::str::from_utf8).transpose() {
                    return Ok(s);
                }
            }
        }
        general(self)
    }

    /// An integer cell (`Some(None)` for NULL); `None` for other types.
    #[inline(always)]
    fn int(&self) -> Option<Option<i64>> {
        Some(match self.ty {
            VoltType::TinyInt => i8::of(self.fixed()?).map(i64::from),
            VoltType::SmallInt => i16::of(self.fixed()?).map(i64::from),
            VoltType::Integer => i32::of(self.fixed()?).map(i64::from),
            VoltType::BigInt => i64::of(self.fixed()?),
            _ => return None,
        })
    }
}

/// The general conversion of a cell (through [`ValueRef`]) into `Option<T>`.
#[inline(always)]
fn general<'a, T: FromVolt<'a>>(c: &Cell<'a>) -> Result<Option<T>, ConversionError> {
    general_at(*c)
}

/// [`general`], out of line (so that the fast paths stay small).
#[inline(never)]
fn general_at<'a, T: FromVolt<'a>>(c: Cell<'a>) -> Result<Option<T>, ConversionError> {
    let v = c.value()?;
    if v.is_null() {
        Ok(None)
    } else {
        T::from_volt(v).map(Some)
    }
}

/// The hidden readers of a fixed-size type ([`Fixed`]) stored as is by
/// column type `$ty`: read natively from that column type, through the
/// general path from any other.
macro_rules! read_as_fixed {
    ($ty:ident) => {
        const NATIVE: Option<VoltType> = Some(VoltType::$ty);

        #[inline(always)]
        fn native(c: &mut Along<'a>) -> Option<Option<Self>> {
            c.fixed_as()
        }

        #[inline(always)]
        fn from_cell_opt(c: &Cell<'a>) -> Result<Option<Self>, ConversionError> {
            c.fixed_of(VoltType::$ty, Self::of)
                .map_or_else(|| general(c), Ok)
        }

        non_null_from_cell!();
    };
}

/// For types whose `from_volt` fails on NULL only with `UnexpectedNull`:
/// `from_cell` from `from_cell_opt`.
macro_rules! non_null_from_cell {
    () => {
        #[inline(always)]
        fn from_cell(c: &Cell<'a>) -> Result<Self, ConversionError> {
            match Self::from_cell_opt(c)? {
                Some(v) => Ok(v),
                None => Err(ConversionError::UnexpectedNull { column: 0 }),
            }
        }
    };
}

/// Conversion from a whole row to a Rust type: implemented for tuples of
/// [`FromVolt`] types (one element per column, in order, up to 16), and by
/// your own types with [`Row::get`].
///
/// A tuple reads the cells in one pass along the row, which is faster than
/// one [`Row::get`] per cell.
///
/// ```
/// use voltdb::{ConversionError, FromRow, Row, Value, VoltColumn, VoltTable, VoltType};
/// struct Item<'a> { id: i64, name: &'a str }
/// impl<'a> FromRow<'a> for Item<'a> {
///     fn from_row(row: &Row<'a>) -> Result<Self, ConversionError> {
///         Ok(Item { id: row.get("ID")?, name: row.get("NAME")? })
///     }
/// }
/// let mut b = VoltTable::builder(vec![
///     VoltColumn::new("ID", VoltType::BigInt),
///     VoltColumn::new("NAME", VoltType::String),
/// ]);
/// b.add_row(&[Value::from(1i64), Value::from("one")]).unwrap();
/// let t = b.build();
/// for item in t.rows_as::<Item>() {
///     let item = item.unwrap();
///     assert_eq!((item.id, item.name), (1, "one"));
/// }
/// ```
pub trait FromRow<'a>: Sized {
    /// Converts a row.
    fn from_row(row: &Row<'a>) -> Result<Self, ConversionError>;

    /// Whether [`from_row_fast`](Self::from_row_fast) can read rows of
    /// these columns: checked once per table by
    /// [`VoltTable::rows_as`]. Not for use outside the crate.
    #[doc(hidden)]
    #[inline(always)]
    fn reads_natively(_columns: Columns<'_>) -> bool {
        false
    }

    /// Reads a row whose columns [`reads_natively`](Self::reads_natively)
    /// accepted, every cell with its type's native reader and no type
    /// check; `None` when a cell does not read that way (a NULL where
    /// no `Option` takes it, malformed bytes): `from_row` then says why.
    /// Not for use outside the crate.
    #[doc(hidden)]
    #[inline(always)]
    fn from_row_fast(_c: &mut Along<'a>) -> Option<Self> {
        None
    }
}

macro_rules! tuple_from_row {
    ($($n:literal: ($($t:ident),+)),+ $(,)?) => {$(
        impl<'a, $($t: FromVolt<'a>),+> FromRow<'a> for ($($t,)+) {
            #[inline(always)]
            fn from_row(row: &Row<'a>) -> Result<Self, ConversionError> {
                let mut c = row.cursor($n)?;
                Ok(($(c.read::<$t>()?,)+))
            }

            #[inline(always)]
            fn reads_natively(columns: Columns<'_>) -> bool {
                let mut places = columns.0.iter();
                $(places.next().is_some_and(|p| $t::ROW_NATIVE == Some(p.ty)) &&)+
                    places.next().is_none()
            }

            #[inline(always)]
            fn from_row_fast(c: &mut Along<'a>) -> Option<Self> {
                Some(($($t::from_cursor_fast(c)?,)+))
            }
        }
    )+};
}

tuple_from_row!(
    1: (A),
    2: (A, B),
    3: (A, B, C),
    4: (A, B, C, D),
    5: (A, B, C, D, E),
    6: (A, B, C, D, E, F),
    7: (A, B, C, D, E, F, G),
    8: (A, B, C, D, E, F, G, H),
    9: (A, B, C, D, E, F, G, H, I),
    10: (A, B, C, D, E, F, G, H, I, J),
    11: (A, B, C, D, E, F, G, H, I, J, K),
    12: (A, B, C, D, E, F, G, H, I, J, K, L),
    13: (A, B, C, D, E, F, G, H, I, J, K, L, M),
    14: (A, B, C, D, E, F, G, H, I, J, K, L, M, N),
    15: (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O),
    16: (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P),
);

/// Conversion from a cell to a Rust type (like `postgres_types::FromSql`).
///
/// Integers widen freely and narrow only when the value fits; NULL converts
/// only into `Option<T>` (or [`Value`]/[`ValueRef`]).
///
/// ```
/// use voltdb::{FromVolt, ValueRef};
/// assert_eq!(i64::from_volt(ValueRef::TinyInt(5)).unwrap(), 5);
/// assert!(i8::from_volt(ValueRef::BigInt(500)).is_err());
/// assert_eq!(Option::<i64>::from_volt(ValueRef::Null(voltdb::VoltType::BigInt)).unwrap(), None);
/// ```
pub trait FromVolt<'a>: Sized {
    /// Converts a cell. Errors carry column 0; row getters fill in the real index.
    fn from_volt(v: ValueRef<'a>) -> Result<Self, ConversionError>;

    /// What [`Row::get`] calls: `from_volt` of the decoded cell, or a
    /// faster path with the same result. Not for use outside the crate.
    #[doc(hidden)]
    #[inline]
    fn from_cell(c: &Cell<'a>) -> Result<Self, ConversionError> {
        Self::from_volt(c.value()?)
    }

    /// What [`Row::get`] calls for `Option<Self>`: `None` for NULL, else
    /// `from_volt`, or a faster path with the same result. Not for use
    /// outside the crate.
    #[doc(hidden)]
    #[inline]
    fn from_cell_opt(c: &Cell<'a>) -> Result<Option<Self>, ConversionError> {
        general(c)
    }

    /// The column type [`native`](Self::native) reads, if any. Not for use
    /// outside the crate.
    #[doc(hidden)]
    const NATIVE: Option<VoltType> = None;

    /// Reads a cell of column type [`NATIVE`](Self::NATIVE) at the cursor:
    /// `Some(None)` for NULL, `None` when its bytes do not read as `Self`
    /// (the general path then says why). Not for use outside the crate.
    #[doc(hidden)]
    #[inline(always)]
    fn native(_c: &mut Along<'a>) -> Option<Option<Self>> {
        None
    }

    /// The column type [`from_cursor_fast`](Self::from_cursor_fast) reads,
    /// if any. Not for use outside the crate.
    #[doc(hidden)]
    const ROW_NATIVE: Option<VoltType> = Self::NATIVE;

    /// Reads a cell of column type [`ROW_NATIVE`](Self::ROW_NATIVE) at the
    /// cursor, as a tuple element; `None` when it does not read natively
    /// (here: NULL, or bytes that do not read as `Self`). Not for use
    /// outside the crate.
    #[doc(hidden)]
    #[inline(always)]
    fn from_cursor_fast(c: &mut Along<'a>) -> Option<Self> {
        Self::native(c)?
    }

    /// What a tuple reads its elements with: the native reader when the
    /// column has its type, else [`from_cell`](Self::from_cell). Not for
    /// use outside the crate.
    #[doc(hidden)]
    #[inline(always)]
    fn from_cursor(c: &mut Cursor<'a>) -> Result<Self, ConversionError> {
        let col = c.col;
        match c.native::<Self>() {
            Some(Some(v)) => Ok(v),
            // What `from_cell` gives for NULL, for every type with a
            // native reader.
            Some(None) => Err(ConversionError::UnexpectedNull { column: col }),
            None => c.general(),
        }
    }
}

#[cold]
fn wrong<T>(v: &ValueRef<'_>, target: &'static str) -> Result<T, ConversionError> {
    if v.is_null() {
        return Err(ConversionError::UnexpectedNull { column: 0 });
    }
    Err(ConversionError::WrongType {
        column: 0,
        ty: v.volt_type(),
        target,
    })
}

#[inline]
fn int_of(v: &ValueRef<'_>) -> Option<i64> {
    match *v {
        ValueRef::TinyInt(x) => Some(x as i64),
        ValueRef::SmallInt(x) => Some(x as i64),
        ValueRef::Integer(x) => Some(x as i64),
        ValueRef::BigInt(x) => Some(x),
        _ => None,
    }
}

macro_rules! from_volt_int {
    ($($t:ty $(=> $native:ident)?),*) => {$(
        impl<'a> FromVolt<'a> for $t {
            #[inline]
            fn from_volt(v: ValueRef<'a>) -> Result<$t, ConversionError> {
                match int_of(&v) {
                    Some(i) => <$t>::try_from(i).map_err(|_| ConversionError::Overflow {
                        column: 0,
                        target: stringify!($t),
                    }),
                    None => wrong(&v, stringify!($t)),
                }
            }

            $(
            const NATIVE: Option<VoltType> = Some(VoltType::$native);

            #[inline(always)]
            fn native(c: &mut Along<'a>) -> Option<Option<$t>> {
                c.fixed_as()
            }
            )?

            #[inline(always)]
            fn from_cell_opt(c: &Cell<'a>) -> Result<Option<$t>, ConversionError> {
                // The column type of the same width: read as is (its NULL
                // is the type's smallest value).
                $(
                let native = c.fixed_of(VoltType::$native, <$t>::of);
                if let Some(v) = native {
                    return Ok(v);
                }
                )?
                match c.int() {
                    Some(Some(i)) => <$t>::try_from(i).map(Some).map_err(|_| {
                        ConversionError::Overflow {
                            column: 0,
                            target: stringify!($t),
                        }
                    }),
                    Some(None) => Ok(None),
                    None => general(c),
                }
            }

            non_null_from_cell!();
        }
    )*};
}

from_volt_int!(
    i8 => TinyInt,
    i16 => SmallInt,
    i32 => Integer,
    i64 => BigInt,
    u8,
    u16,
    u32,
    u64,
    usize,
    isize,
    i128
);

impl<'a> FromVolt<'a> for f64 {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<f64, ConversionError> {
        match v {
            ValueRef::Float(f) => Ok(f),
            ValueRef::Decimal(d) => Ok(d.to_f64()),
            ref o => match int_of(o) {
                // Only integers a double holds exactly.
                Some(i) if (i as f64) as i128 == i as i128 => Ok(i as f64),
                Some(_) => Err(ConversionError::Overflow {
                    column: 0,
                    target: "f64",
                }),
                None => wrong(o, "f64"),
            },
        }
    }

    read_as_fixed!(Float);
}

impl<'a> FromVolt<'a> for bool {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<bool, ConversionError> {
        match v {
            ValueRef::Boolean(b) => Ok(b),
            ref o => match int_of(o) {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                Some(_) => Err(ConversionError::Overflow {
                    column: 0,
                    target: "bool",
                }),
                None => wrong(o, "bool"),
            },
        }
    }
}

impl<'a> FromVolt<'a> for &'a str {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<&'a str, ConversionError> {
        match v {
            ValueRef::String(s) => Ok(s),
            ref o => wrong(o, "&str"),
        }
    }

    const NATIVE: Option<VoltType> = Some(VoltType::String);

    #[inline(always)]
    fn native(c: &mut Along<'a>) -> Option<Option<&'a str>> {
        c.str()
    }

    #[inline(always)]
    fn from_cell_opt(c: &Cell<'a>) -> Result<Option<&'a str>, ConversionError> {
        if c.ty == VoltType::String {
            return c.str();
        }
        general(c)
    }

    non_null_from_cell!();
}

impl<'a> FromVolt<'a> for String {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<String, ConversionError> {
        match v {
            ValueRef::String(s) => Ok(s.to_owned()),
            ref o => wrong(o, "String"),
        }
    }

    const NATIVE: Option<VoltType> = Some(VoltType::String);

    #[inline(always)]
    fn native(c: &mut Along<'a>) -> Option<Option<String>> {
        c.str().map(|s| s.map(str::to_owned))
    }

    #[inline(always)]
    fn from_cell_opt(c: &Cell<'a>) -> Result<Option<String>, ConversionError> {
        if c.ty == VoltType::String {
            return c.str().map(|s| s.map(str::to_owned));
        }
        general(c)
    }

    non_null_from_cell!();
}

impl<'a> FromVolt<'a> for &'a [u8] {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<&'a [u8], ConversionError> {
        match v {
            ValueRef::Varbinary(b) => Ok(b),
            ValueRef::String(s) => Ok(s.as_bytes()),
            ref o => wrong(o, "&[u8]"),
        }
    }

    const NATIVE: Option<VoltType> = Some(VoltType::Varbinary);

    #[inline(always)]
    fn native(c: &mut Along<'a>) -> Option<Option<&'a [u8]>> {
        c.var()
    }

    #[inline(always)]
    fn from_cell_opt(c: &Cell<'a>) -> Result<Option<&'a [u8]>, ConversionError> {
        match c.ty {
            VoltType::Varbinary => {
                if let Some(b) = c.var() {
                    return Ok(b);
                }
            }
            VoltType::String => return c.str().map(|s| s.map(str::as_bytes)),
            _ => {}
        }
        general(c)
    }

    non_null_from_cell!();
}

impl<'a> FromVolt<'a> for Vec<u8> {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Vec<u8>, ConversionError> {
        <&[u8]>::from_volt(v).map(<[u8]>::to_vec)
    }

    const NATIVE: Option<VoltType> = Some(VoltType::Varbinary);

    #[inline(always)]
    fn native(c: &mut Along<'a>) -> Option<Option<Vec<u8>>> {
        c.var().map(|b| b.map(<[u8]>::to_vec))
    }

    #[inline(always)]
    fn from_cell_opt(c: &Cell<'a>) -> Result<Option<Vec<u8>>, ConversionError> {
        <&[u8]>::from_cell_opt(c).map(|b| b.map(<[u8]>::to_vec))
    }

    non_null_from_cell!();
}

impl<'a> FromVolt<'a> for Decimal {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Decimal, ConversionError> {
        match v {
            ValueRef::Decimal(d) => Ok(d),
            ref o => match int_of(o) {
                Some(i) => Ok(Decimal::from_i64(i)),
                None => wrong(o, "Decimal"),
            },
        }
    }

    read_as_fixed!(Decimal);
}

impl<'a> FromVolt<'a> for rust_decimal::Decimal {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<rust_decimal::Decimal, ConversionError> {
        let d = Decimal::from_volt(v)?;
        rust_decimal::Decimal::try_from(d).map_err(|_| ConversionError::Overflow {
            column: 0,
            target: "rust_decimal::Decimal",
        })
    }
}

impl<'a> FromVolt<'a> for Timestamp {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Timestamp, ConversionError> {
        match v {
            ValueRef::Timestamp(t) => Ok(t),
            ref o => wrong(o, "Timestamp"),
        }
    }

    read_as_fixed!(Timestamp);
}

impl<'a> FromVolt<'a> for std::time::SystemTime {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<std::time::SystemTime, ConversionError> {
        Timestamp::from_volt(v).map(Timestamp::to_system_time)
    }
}

impl<'a> FromVolt<'a> for Date {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Date, ConversionError> {
        match v {
            ValueRef::Date(d) => Ok(d),
            ref o => wrong(o, "Date"),
        }
    }
}

impl<'a> FromVolt<'a> for GeographyPoint {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<GeographyPoint, ConversionError> {
        match v {
            ValueRef::GeographyPoint(p) => Ok(p),
            ref o => wrong(o, "GeographyPoint"),
        }
    }
}

impl<'a> FromVolt<'a> for Geography {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Geography, ConversionError> {
        match v {
            ValueRef::Geography(b) => Geography::decode_body(b)
                .map_err(|problem| ConversionError::Malformed { column: 0, problem }),
            ref o => wrong(o, "Geography"),
        }
    }
}

impl<'a> FromVolt<'a> for ValueRef<'a> {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<ValueRef<'a>, ConversionError> {
        Ok(v)
    }
}

impl<'a> FromVolt<'a> for Value {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Value, ConversionError> {
        v.to_value()
            .map_err(|problem| ConversionError::Malformed { column: 0, problem })
    }
}

impl<'a, T: FromVolt<'a>> FromVolt<'a> for Option<T> {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Option<T>, ConversionError> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_volt(v).map(Some)
        }
    }

    #[inline(always)]
    fn from_cell(c: &Cell<'a>) -> Result<Option<T>, ConversionError> {
        T::from_cell_opt(c)
    }

    #[inline(always)]
    fn from_cursor(c: &mut Cursor<'a>) -> Result<Option<T>, ConversionError> {
        if let Some(v) = c.native::<T>() {
            return Ok(v);
        }
        c.general()
    }

    const ROW_NATIVE: Option<VoltType> = T::NATIVE;

    #[inline(always)]
    fn from_cursor_fast(c: &mut Along<'a>) -> Option<Option<T>> {
        T::native(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loops compiled for a count of variable-length columns index as
    /// the loop over [`Shape::vars`] does: the same rows, entries, text and
    /// stopping point, for valid rows and for broken ones (length prefixes
    /// set to edge values, bytes overwritten, the buffer cut short).
    #[test]
    fn rows_by_count_index_as_rows_of_any() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        use VoltType as T;
        let types = [
            T::TinyInt,
            T::SmallInt,
            T::Integer,
            T::BigInt,
            T::Decimal,
            T::String,
            T::String,
            T::Varbinary,
            T::Geography,
        ];
        let edges = [-2i32, -1, 0, 1, 127, 128, 129, 200, i32::MAX, i32::MIN];
        for _ in 0..20_000 {
            let columns: Box<[VoltColumn]> = (0..1 + next(6))
                .map(|_| VoltColumn::new("C", types[next(types.len())]))
                .collect();
            let shape = Shape::new(columns);
            let lead = next(6);
            let mut data: Vec<u8> = (0..lead).map(|_| next(256) as u8).collect();
            let mut prefixes = Vec::new();
            let nrows = next(12);
            for _ in 0..nrows {
                let at = data.len();
                prefixes.push(at);
                data.extend_from_slice(&[0; 4]);
                for c in shape.columns.iter() {
                    match c.ty.fixed_size() {
                        Some(n) => data.extend((0..n).map(|_| next(256) as u8)),
                        None => {
                            prefixes.push(data.len());
                            let n = match next(8) {
                                0 => -1,
                                1 => 0,
                                2 => 100 + next(200) as i32,
                                _ => next(40) as i32,
                            };
                            data.extend_from_slice(&n.to_be_bytes());
                            data.extend((0..n.max(0)).map(|_| b'a' + next(26) as u8));
                        }
                    }
                }
                let len = (data.len() - at - 4) as i32;
                data[at..at + 4].copy_from_slice(&len.to_be_bytes());
            }
            data.extend((0..next(200)).map(|_| next(256) as u8));
            match next(4) {
                0 if !prefixes.is_empty() => {
                    let at = prefixes[next(prefixes.len())];
                    let v = edges[next(edges.len())].wrapping_add(next(3) as i32 - 1);
                    data[at..at + 4].copy_from_slice(&v.to_be_bytes());
                }
                1 if !data.is_empty() => {
                    let at = next(data.len());
                    data[at] = next(256) as u8;
                }
                2 => data.truncate(next(data.len() + 1)),
                _ => {}
            }
            for keep_text in [false, true] {
                let stride = shape.segs + if keep_text { shape.strings } else { 0 };
                let run = |by_count: bool| {
                    let mut index = vec![0u32; nrows * stride];
                    let mut text = Vec::with_capacity(data.len() + TEXT_CHUNK);
                    let at = lead.min(data.len());
                    let (done, pos) = if by_count {
                        index_rows(&data, at, &shape, keep_text, &mut index, stride, &mut text)
                    } else {
                        rows_of_any(&data, at, &shape, keep_text, &mut index, stride, &mut text)
                    };
                    (done, pos, index, text)
                };
                assert_eq!(run(true), run(false), "{:?} {keep_text}", shape.columns);
            }
        }
    }

    #[test]
    fn column_cache_shares_columns_of_the_same_header_only() {
        let table = |names: [&str; 2], v: i32| {
            let mut b = TableBuilder::new(vec![
                VoltColumn::new(names[0], VoltType::Integer),
                VoltColumn::new(names[1], VoltType::String),
            ]);
            b.add_row(&[Value::from(v), Value::from("x")]).unwrap();
            Arc::new(b.build().as_bytes().to_vec())
        };
        let mut cache = ColumnCache::default();
        let (a, _) =
            VoltTable::parse_cached(&table(["ID", "NAME"], 1), 0, Some(&mut cache)).unwrap();
        let (b, _) =
            VoltTable::parse_cached(&table(["ID", "NAME"], 2), 0, Some(&mut cache)).unwrap();
        assert!(std::ptr::eq(a.columns().as_ptr(), b.columns().as_ptr()));
        assert_eq!(b.row(0).unwrap().get::<i32>("ID").unwrap(), 2);
        // Another header: its own columns, then cached in turn.
        let (c, _) =
            VoltTable::parse_cached(&table(["ID", "NAMF"], 3), 0, Some(&mut cache)).unwrap();
        assert!(!std::ptr::eq(a.columns().as_ptr(), c.columns().as_ptr()));
        assert_eq!(c.columns()[1].name, "NAMF");
        assert_eq!(c.row(0).unwrap().get::<&str>("NAMF").unwrap(), "x");
        let (d, _) =
            VoltTable::parse_cached(&table(["ID", "NAMF"], 4), 0, Some(&mut cache)).unwrap();
        assert!(std::ptr::eq(c.columns().as_ptr(), d.columns().as_ptr()));
        // Same names, other types: not shared.
        let mut b = TableBuilder::new(vec![
            VoltColumn::new("ID", VoltType::BigInt),
            VoltColumn::new("NAMF", VoltType::String),
        ]);
        b.add_row(&[Value::from(5i64), Value::from("y")]).unwrap();
        let e_buf = Arc::new(b.build().as_bytes().to_vec());
        let (e, _) = VoltTable::parse_cached(&e_buf, 0, Some(&mut cache)).unwrap();
        assert_eq!(e.columns()[0].ty, VoltType::BigInt);
        assert_eq!(e.row(0).unwrap().get::<i64>(0).unwrap(), 5);
        // A name that is not UTF-8 is an error, cache or not.
        let mut bad = table(["ID", "NAMF"], 6).as_ref().clone();
        let at = bad.windows(4).position(|w| w == b"NAMF").unwrap();
        bad[at + 3] = 0xff;
        let bad = Arc::new(bad);
        for cache in [Some(&mut cache), None] {
            assert!(matches!(
                VoltTable::parse_cached(&bad, 0, cache),
                Err(ProtocolError::InvalidUtf8("column name"))
            ));
        }
    }

    /// The offset of every cell, as the original cell-by-cell walk finds
    /// them (or its error).
    fn walk(buf: &[u8], t: &VoltTable) -> Result<Vec<usize>, ProtocolError> {
        let mut r = Reader::new(buf);
        r.skip(t.rows_start, "rows")?;
        r.check_count(t.row_count as i64, 4, "row count")?;
        let mut cells = Vec::new();
        for _ in 0..t.row_count {
            let len = r.read_size("row length")?;
            let row_end = r.position() + len;
            for c in t.columns() {
                cells.push(r.position());
                skip_value(&mut r, c.ty)?;
            }
            if r.position() != row_end {
                return Err(ProtocolError::Malformed("row length"));
            }
        }
        Ok(cells)
    }

    /// The offset of every cell, as the table's index locates them.
    fn offsets(t: &VoltTable) -> Vec<usize> {
        let mut v = Vec::new();
        for row in 0..t.row_count() {
            for col in 0..t.column_count() {
                v.push(t.row_at(row).cell_at(col).unwrap().off);
            }
        }
        v
    }

    fn table_of(columns: &[VoltType], rows: usize) -> VoltTable {
        let cols = columns
            .iter()
            .enumerate()
            .map(|(i, &ty)| VoltColumn::new(format!("C{i}"), ty))
            .collect();
        let mut b = VoltTable::builder(cols);
        for i in 0..rows {
            let row: Vec<Value> = columns
                .iter()
                .enumerate()
                .map(|(c, &ty)| {
                    if (i + c) % 5 == 2 {
                        return Value::Null;
                    }
                    match ty {
                        // Each column's letter: a VARCHAR read at another
                        // one's place in the kept text shows.
                        VoltType::String => Value::from(
                            "é".repeat(i % 4) + &char::from(b'a' + c as u8).to_string().repeat(i),
                        ),
                        VoltType::TinyInt => Value::from(i as i8),
                        VoltType::Integer => Value::from(i as i32 * 1000),
                        VoltType::Varbinary => Value::from(vec![7u8; i]),
                        VoltType::BigInt => Value::from(i as i64),
                        VoltType::Decimal => Value::from(Decimal::from_i64(i as i64)),
                        _ => Value::Null,
                    }
                })
                .collect();
            b.add_row(&row).unwrap();
        }
        b.build()
    }

    /// Layouts with VARCHARs first and last, two length-prefixed cells in a
    /// row, fixed cells only, and a single column; small tables (each
    /// VARCHAR checked when read) and large ones (the text kept).
    fn layouts() -> Vec<Vec<VoltType>> {
        use VoltType::*;
        vec![
            vec![String, TinyInt, Varbinary, BigInt, Geography],
            vec![BigInt, String, String, Integer],
            vec![Integer, Decimal, TinyInt],
            vec![String],
            vec![Varbinary, TinyInt, String],
        ]
    }

    #[test]
    fn row_index_agrees_with_a_cell_by_cell_walk_on_damaged_rows() {
        let mut checked = 0;
        for columns in layouts() {
            for rows in [4, TEXT_MIN_ROWS + 1] {
                let good = table_of(&columns, rows);
                assert_eq!(
                    good.text.is_some(),
                    rows >= TEXT_MIN_ROWS && columns.contains(&VoltType::String)
                );
                let bytes = good.as_bytes().to_vec();
                assert_eq!(walk(&bytes, &good).unwrap(), offsets(&good));
                let interesting = [0x00, 0x01, 0x03, 0x7f, 0x80, 0xfe, 0xff];
                for at in good.rows_start..bytes.len() {
                    for &v in &interesting {
                        let mut damaged = bytes.clone();
                        damaged[at] = v;
                        for cut in [damaged.len(), at + 1] {
                            let mut d = damaged[..cut].to_vec();
                            // Keep the table's own length consistent with the cut.
                            let total = (d.len() - 4) as i32;
                            d[..4].copy_from_slice(&total.to_be_bytes());
                            let got = VoltTable::from_bytes(d.clone());
                            let expected = walk(&d, &good);
                            match (got, expected) {
                                (Ok(t), Ok(cells)) => {
                                    assert_eq!(offsets(&t), cells, "byte {at} = {v:#x}");
                                    // (A sample: every getter of every cell is slow in debug.)
                                    if cut == damaged.len() && at % 16 == 0 {
                                        check_getters(&t);
                                    }
                                }
                                (Err(e), Err(want)) => assert_eq!(e, want, "byte {at} = {v:#x}"),
                                (got, want) => {
                                    panic!("byte {at} = {v:#x}, cut {cut}: {got:?} vs {want:?}")
                                }
                            }
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 5000, "{checked}");
    }

    /// Every fast getter gives what `from_volt` of the decoded cell gives,
    /// and every cell decodes as `read_value` decodes its bytes.
    fn check_getters(t: &VoltTable) {
        let data = &t.buf[t.start..t.end];
        for row in t.rows() {
            for c in 0..t.column_count() {
                let off = row.cell_at(c).unwrap().off;
                let raw = read_value(&mut Reader::new(&data[off..]), t.columns()[c].ty);
                match (row.get_ref(c), raw) {
                    (Ok(v), Ok(want)) => assert_eq!(
                        format!("{v:?}"),
                        format!("{want:?}"),
                        "row {} column {c}",
                        row.index()
                    ),
                    (Err(ConversionError::Malformed { problem, .. }), Err(want)) => {
                        assert_eq!(problem, want)
                    }
                    (got, want) => panic!("row {} column {c}: {got:?} vs {want:?}", row.index()),
                }
            }
        }
        fn same<'a, T: FromVolt<'a> + fmt::Debug>(row: &Row<'a>, c: usize) {
            let general = |opt: bool| {
                let v = row.get_ref(c)?;
                if opt && v.is_null() {
                    return Ok(None);
                }
                T::from_volt(v).map(Some).map_err(|e| e.at(c))
            };
            let fast = row.get::<T>(c).map(Some);
            assert_eq!(
                format!("{fast:?}"),
                format!("{:?}", general(false)),
                "column {c}"
            );
            let fast = row.get::<Option<T>>(c);
            assert_eq!(
                format!("{fast:?}"),
                format!("{:?}", general(true)),
                "column {c}"
            );
        }
        // A row read along with a cursor (what tuples do), every column as
        // `T` and as `Option<T>`: what `Row::get` gives, cell by cell.
        fn along<'a, T: FromVolt<'a> + fmt::Debug>(row: &Row<'a>) {
            let mut cur = row.cursor(row.len()).unwrap();
            let mut opt = row.cursor(row.len()).unwrap();
            for c in 0..row.len() {
                assert_eq!(
                    format!("{:?}", cur.read::<T>()),
                    format!("{:?}", row.get::<T>(c)),
                    "row {} column {c}",
                    row.index()
                );
                assert_eq!(
                    format!("{:?}", opt.read::<Option<T>>()),
                    format!("{:?}", row.get::<Option<T>>(c)),
                    "row {} column {c}",
                    row.index()
                );
            }
            assert!(cur.read::<T>().is_err(), "no cell past the last column");
        }
        // A row read along with a cursor as tuples read it when every
        // column has its element's own type (`RowsAs`'s fast path): each
        // cell of `T`'s own column type reads as `Row::get` reads it, or
        // fails where `Row::get` fails (the row is then read again the
        // general way).
        fn along_fast<'a, T: FromVolt<'a> + fmt::Debug>(row: &Row<'a>) {
            let mut cur = row.cursor_unchecked();
            for (c, p) in row.places.iter().enumerate() {
                if T::ROW_NATIVE != Some(p.ty) {
                    cur.next_cell().unwrap();
                    continue;
                }
                let fast = T::from_cursor_fast(&mut cur.along);
                cur.places.next();
                let want = row.get::<T>(c).ok();
                assert_eq!(
                    format!("{fast:?}"),
                    format!("{want:?}"),
                    "row {} column {c}",
                    row.index()
                );
                if fast.is_none() {
                    break;
                }
            }
        }
        macro_rules! along_fast {
            ($row:expr; $($t:ty),*) => {$(
                along_fast::<$t>($row);
                along_fast::<Option<$t>>($row);
            )*};
        }
        for row in t.rows() {
            along_fast!(&row; i8, i16, i32, i64, f64, &str, String, &[u8], Vec<u8>, Decimal,
                Timestamp);
        }
        rows_as_reads_what_to_reads(t);
        for row in t.rows() {
            along::<i8>(&row);
            along::<i16>(&row);
            along::<i32>(&row);
            along::<i64>(&row);
            along::<u64>(&row);
            along::<f64>(&row);
            along::<&str>(&row);
            along::<String>(&row);
            along::<&[u8]>(&row);
            along::<Vec<u8>>(&row);
            along::<Decimal>(&row);
            along::<Timestamp>(&row);
            along::<Value>(&row);
        }
        for row in t.rows() {
            for c in 0..t.column_count() {
                same::<i8>(&row, c);
                same::<i16>(&row, c);
                same::<i32>(&row, c);
                same::<i64>(&row, c);
                same::<u8>(&row, c);
                same::<u64>(&row, c);
                same::<i128>(&row, c);
                same::<f64>(&row, c);
                same::<bool>(&row, c);
                same::<&str>(&row, c);
                same::<String>(&row, c);
                same::<&[u8]>(&row, c);
                same::<Vec<u8>>(&row, c);
                same::<Decimal>(&row, c);
                same::<Timestamp>(&row, c);
                same::<Date>(&row, c);
                same::<GeographyPoint>(&row, c);
                same::<Geography>(&row, c);
                same::<Value>(&row, c);
                same::<ValueRef<'_>>(&row, c);
            }
        }
    }

    /// `rows_as` (which reads rows whose columns all have their elements'
    /// own types without type checks) gives what `Row::to` gives, row by
    /// row, for tuples of the columns' own types (`Option`s or not) on the
    /// layouts that have them.
    fn rows_as_reads_what_to_reads(t: &VoltTable) {
        use VoltType::*;
        fn same<'a, R: FromRow<'a> + fmt::Debug>(t: &'a VoltTable) {
            assert!(R::reads_natively(Columns(&t.shape.places)));
            let got: Vec<_> = t.rows_as::<R>().collect();
            let want: Vec<_> = t.rows().map(|r| r.to::<R>()).collect();
            assert_eq!(format!("{got:?}"), format!("{want:?}"));
        }
        type S = std::string::String;
        let types: Vec<VoltType> = t.columns().iter().map(|c| c.ty).collect();
        match types.as_slice() {
            [BigInt, String, String, Integer] => {
                same::<(Option<i64>, Option<&str>, Option<S>, Option<i32>)>(t);
                same::<(i64, &str, S, i32)>(t);
            }
            [Integer, Decimal, TinyInt] => {
                same::<(Option<i32>, Option<crate::Decimal>, Option<i8>)>(t);
                same::<(i32, crate::Decimal, i8)>(t);
            }
            [String] => {
                same::<(Option<&str>,)>(t);
                same::<(S,)>(t);
            }
            [Varbinary, TinyInt, String] => {
                same::<(Option<&[u8]>, Option<i8>, Option<S>)>(t);
                same::<(Vec<u8>, i8, &str)>(t);
            }
            _ => {}
        }
    }

    /// Rows read as tuples: each element what `Row::get` gives for its
    /// column (native readers for the column's own type, the general path
    /// for the others), the first error otherwise, and a tuple of another
    /// size is an error.
    #[test]
    fn tuples_read_what_the_getters_read() {
        use VoltType::*;
        for rows in [3, 40] {
            let t = table_of(&[BigInt, String, String, Integer], rows);
            for row in t.rows() {
                let want = (
                    row.get::<Option<i64>>(0).unwrap(),
                    row.get::<Option<&str>>(1).unwrap(),
                    row.get::<Option<std::string::String>>(2).unwrap(),
                    row.get::<Option<i32>>(3).unwrap(),
                );
                assert_eq!(row.to(), Ok(want));
                // Other types than the columns' own: the general path.
                let wide = (
                    row.get::<Value>(0).unwrap(),
                    row.get::<Option<&[u8]>>(1).unwrap(),
                    row.get::<Value>(2).unwrap(),
                    row.get::<Option<i64>>(3).unwrap(),
                );
                assert_eq!(row.to(), Ok(wide));
                // A VARCHAR read the general way, then one read natively
                // from the kept text: the second starts after the first.
                let mixed = (
                    row.get::<Option<i64>>(0).unwrap(),
                    row.get::<Option<&[u8]>>(1).unwrap(),
                    row.get::<Option<&str>>(2).unwrap(),
                    row.get::<Option<i32>>(3).unwrap(),
                );
                assert_eq!(row.to(), Ok(mixed));
                // Not nullable: the first NULL is the error, with its column.
                let strict = row.to::<(i64, &str, std::string::String, i32)>();
                let first_null = (0..4).find(|&c| row.get_ref(c).unwrap().is_null());
                match first_null {
                    None => assert!(strict.is_ok()),
                    Some(c) => {
                        assert_eq!(strict, Err(ConversionError::UnexpectedNull { column: c }))
                    }
                }
                assert_eq!(
                    row.to::<(i64, &str, std::string::String)>(),
                    Err(ConversionError::ColumnCount {
                        expected: 3,
                        found: 4
                    })
                );
            }
            type Item<'a> = (Option<i64>, Option<&'a str>, Option<&'a str>, Option<i32>);
            let all: Vec<Item> = t.rows_as().collect::<Result<_, _>>().unwrap();
            assert_eq!(all.len(), rows);
            assert_eq!(t.rows_as::<(i64, i64, i64, i64)>().len(), rows);
        }
    }

    /// Index entries per row: one per segment (the row's first cell, and
    /// just past each variable-length cell that columns follow), plus one
    /// per VARCHAR when the text is kept; none per fixed-size cell.
    #[test]
    fn index_holds_segments_not_cells() {
        use VoltType::*;
        let cases: [(&[VoltType], usize, usize); 6] = [
            (&[Integer, Decimal, TinyInt], 1, 1),
            (&[BigInt, String, String, Integer], 3, 5),
            (&[String], 1, 2),
            (&[Varbinary, TinyInt, String], 2, 3),
            (&[String, TinyInt, Varbinary, BigInt, Geography], 3, 4),
            (&[], 1, 1),
        ];
        for (columns, small, large) in cases {
            for (rows, stride) in [(4, small), (TEXT_MIN_ROWS + 1, large)] {
                let t = table_of(columns, rows);
                assert_eq!(t.stride, stride, "{columns:?}, {rows} rows");
                assert_eq!(t.index.as_slice().len(), rows * stride);
                if !columns.is_empty() {
                    check_getters(&t);
                }
            }
        }
    }

    #[test]
    fn fast_getters_agree_with_from_volt() {
        for columns in layouts() {
            for rows in [0, 1, 4, TEXT_MIN_ROWS, 40] {
                check_getters(&table_of(&columns, rows));
            }
        }
    }

    /// A large table (text kept) whose VARCHAR bytes are valid UTF-8 as a
    /// whole but not cell by cell: `é` split across two cells.
    #[test]
    fn varchar_valid_only_across_cells_is_an_error() {
        let cols = vec![
            VoltColumn::new("S", VoltType::String),
            VoltColumn::new("I", VoltType::Integer),
        ];
        let mut b = VoltTable::builder(cols);
        for i in 0..TEXT_MIN_ROWS * 2 {
            b.add_row(&[Value::from(format!("r{i}")), Value::from(i as i32)])
                .unwrap();
        }
        let mut bytes = b.build().as_bytes().to_vec();
        // Rows 3 and 4 hold "r3" and "r4": make them "r\xc3" and "\xa9r"? No:
        // one byte each side: "r" + 0xc3 ends row 3, 0xa9 + "4" starts row 4.
        let r3 = bytes.windows(2).position(|w| w == b"r3").unwrap();
        bytes[r3 + 1] = 0xc3;
        let r4 = bytes.windows(2).position(|w| w == b"r4").unwrap();
        bytes[r4] = 0xa9;
        let t = VoltTable::from_bytes(bytes).unwrap();
        assert!(t.text.is_some(), "the text as a whole is valid UTF-8");
        for row in [3, 4] {
            let row = t.row(row).unwrap();
            assert!(matches!(
                row.get::<&str>(0),
                Err(ConversionError::Malformed { column: 0, .. })
            ));
            assert!(row.get::<Option<String>>(0).is_err());
            assert!(row.get::<&[u8]>(0).is_err());
            assert!(row.get::<Value>(0).is_err());
            assert!(row.get_ref(0).is_err());
            assert!(row.get::<i32>(1).is_ok());
        }
        assert_eq!(t.row(2).unwrap().get::<&str>(0).unwrap(), "r2");
        assert_eq!(t.row(5).unwrap().get::<&str>(0).unwrap(), "r5");
        check_getters(&t);
    }

    /// A large table with one invalid VARCHAR: that cell fails when read as
    /// a string (or bytes, or a value), every other cell still reads.
    #[test]
    fn one_invalid_varchar_in_a_large_table() {
        let t = table_of(&[VoltType::String, VoltType::BigInt], 20);
        let mut bytes = t.as_bytes().to_vec();
        // (Column 0's VARCHARs are runs of 'a'.)
        let at = bytes.windows(3).position(|w| w == b"aaa").unwrap();
        bytes[at + 1] = 0xff;
        let t = VoltTable::from_bytes(bytes).unwrap();
        assert!(t.text.is_none());
        let bad = (0..t.row_count())
            .filter(|&i| t.row(i).unwrap().get::<Option<&str>>(0).is_err())
            .count();
        assert_eq!(bad, 1);
        check_getters(&t);
    }
}
