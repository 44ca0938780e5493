//! [`VoltTable`], [`VoltColumn`], rows and typed cell access ([`FromVolt`]).
//!
//! A table keeps its wire bytes as they arrived (shared with the response
//! they came in) plus one index of cell offsets built while validating the
//! layout; cells are decoded when they are read, and strings and binaries are
//! borrowed from the buffer.

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
    columns: Arc<[VoltColumn]>,
    rows_start: usize,
    row_count: usize,
    /// Absolute offsets into `buf` of every cell, row-major.
    cells: Vec<u32>,
}

impl VoltTable {
    /// Parses the table that starts at `start` in `buf` (at its `i32` total
    /// length) and returns it with the offset just past it.
    pub fn parse(buf: &Arc<Vec<u8>>, start: usize) -> Result<(VoltTable, usize), ProtocolError> {
        let mut r = Reader::new(buf.as_slice());
        r.skip(start, "table")?;
        let total = r.read_size("table length")?;
        let end = r.position() + total;
        let mut r = Reader::new(&buf[..end]);
        r.skip(start + 4, "table")?;
        let header_len = r.read_i32("table header length")?;
        if header_len < 3 || header_len as usize > r.remaining() {
            return Err(ProtocolError::BadLength {
                what: "table header length",
                value: header_len as i64,
            });
        }
        let header_end = r.position() + header_len as usize;
        let status = r.read_i8("table status")?;
        let ncols = r.read_i16("column count")?;
        let ncols = r.check_count(ncols as i64, 5, "column count")?;
        let mut columns = Vec::with_capacity(ncols);
        for _ in 0..ncols {
            let ty = VoltType::from_code(r.read_i8("column type")?)?;
            if matches!(ty, VoltType::Null | VoltType::Table) {
                return Err(ProtocolError::UnexpectedType {
                    ty,
                    context: "a table column",
                });
            }
            columns.push(VoltColumn::new(String::new(), ty));
        }
        for c in &mut columns {
            c.name = r.read_str("column name")?.unwrap_or("").to_owned();
        }
        if r.position() > header_end {
            return Err(ProtocolError::Malformed("table header length"));
        }
        r.skip(header_end - r.position(), "table header")?;
        let nrows = r.read_i32("row count")?;
        let nrows = r.check_count(nrows as i64, 4, "row count")?;
        let rows_start = r.position();
        // Cell sizes by column: the fixed size, or 0 for length-prefixed cells.
        let sizes: Vec<u8> = columns
            .iter()
            .map(|c| c.ty.fixed_size().map_or(0, |n| n as u8))
            .collect();
        let data = r.buffer();
        let mut cells = Vec::with_capacity(nrows.saturating_mul(ncols).min(r.remaining()));
        for _ in 0..nrows {
            let len = r.read_size("row length")?;
            let row_end = r.position() + len;
            let row_cells = cells.len();
            if index_row(data, r.position(), row_end, &sizes, &mut cells) {
                r.skip(len, "row")?;
                continue;
            }
            // A malformed row: walk it again, cell by cell, for the exact error.
            cells.truncate(row_cells);
            for c in &*columns {
                cells.push(r.position() as u32);
                skip_value(&mut r, c.ty)?;
            }
            if r.position() != row_end {
                return Err(ProtocolError::Malformed("row length"));
            }
        }
        let table = VoltTable {
            buf: Arc::clone(buf),
            start,
            end,
            status,
            columns: columns.into(),
            rows_start,
            row_count: nrows,
            cells,
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
        &self.buf[self.start..self.end]
    }

    /// The table status byte (−128 for most server tables; do not rely on it).
    pub fn status(&self) -> i8 {
        self.status
    }

    /// The columns.
    pub fn columns(&self) -> &[VoltColumn] {
        &self.columns
    }

    /// Number of columns.
    pub fn column_count(&self) -> usize {
        self.columns.len()
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
        self.columns
            .iter()
            .position(|c| c.name == name)
            .or_else(|| {
                self.columns
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
        Ok(Row {
            table: self,
            index: i,
        })
    }

    /// Iterates over the rows.
    pub fn rows(&self) -> Rows<'_> {
        Rows {
            table: self,
            next: 0,
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

    #[inline(always)]
    fn cell(&self, row: usize, col: usize) -> Result<ValueRef<'_>, ConversionError> {
        let off = self.cells[row * self.columns.len() + col] as usize;
        let ty = self.columns[col].ty;
        // Offsets come from `parse`: always within the table.
        let mut r = Reader::new(self.buf.get(off..self.end).unwrap_or_default());
        read_value(&mut r, ty).map_err(|problem| ConversionError::Malformed {
            column: col,
            problem,
        })
    }
}

/// Appends the offsets of the cells of the row `data[pos..row_end]`, given
/// the cell sizes by column (0: an `i32` length, −1 for NULL, then the bytes).
/// Returns false, leaving some offsets behind, when the cells do not exactly
/// fill the row.
#[inline]
fn index_row(
    data: &[u8],
    mut pos: usize,
    row_end: usize,
    sizes: &[u8],
    cells: &mut Vec<u32>,
) -> bool {
    for &size in sizes {
        cells.push(pos as u32);
        if size != 0 {
            pos += size as usize;
            continue;
        }
        let Some(&[a, b, c, d]) = data.get(pos..pos + 4) else {
            return false;
        };
        pos += 4;
        let len = i32::from_be_bytes([a, b, c, d]);
        if len > 0 {
            pos += len as usize;
        } else if len < -1 {
            return false;
        }
    }
    pos == row_end
}

impl PartialEq for VoltTable {
    /// Same columns and the same row bytes (the status byte is ignored).
    fn eq(&self, other: &VoltTable) -> bool {
        self.columns == other.columns
            && self.row_count == other.row_count
            && self.buf[self.rows_start..self.end] == other.buf[other.rows_start..other.end]
    }
}

impl fmt::Debug for VoltTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoltTable")
            .field("columns", &self.columns)
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
            self.columns.len(),
            self.row_count
        )?;
        for (i, c) in self.columns.iter().enumerate() {
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
            columns: Arc::from(Vec::new()),
            rows_start: 0,
            row_count: 0,
            cells: Vec::new(),
        }
    }
}

/// A column given by index or by name.
pub trait ColumnIndex {
    /// The column's index in `table`.
    fn index(&self, table: &VoltTable) -> Result<usize, ConversionError>;
}

impl ColumnIndex for usize {
    fn index(&self, table: &VoltTable) -> Result<usize, ConversionError> {
        if *self < table.column_count() {
            Ok(*self)
        } else {
            Err(ConversionError::ColumnIndex {
                index: *self,
                count: table.column_count(),
            })
        }
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
    #[inline]
    pub fn get<T: FromVolt<'a>>(&self, col: impl ColumnIndex) -> Result<T, ConversionError> {
        let c = col.index(self.table)?;
        let v = self.table.cell(self.index, c)?;
        T::from_volt(v).map_err(|e| e.at(c))
    }

    /// A cell as a borrowed [`ValueRef`].
    pub fn get_ref(&self, col: impl ColumnIndex) -> Result<ValueRef<'a>, ConversionError> {
        let c = col.index(self.table)?;
        self.table.cell(self.index, c)
    }

    /// Every cell as an owned [`Value`].
    pub fn values(&self) -> crate::Result<Vec<Value>> {
        (0..self.len())
            .map(|c| Ok(self.table.cell(self.index, c)?.to_value()?))
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
            match self.table.cell(self.index, c) {
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
}

impl<'a> Iterator for Rows<'a> {
    type Item = Row<'a>;
    fn next(&mut self) -> Option<Row<'a>> {
        if self.next >= self.table.row_count {
            return None;
        }
        self.next += 1;
        Some(Row {
            table: self.table,
            index: self.next - 1,
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.table.row_count - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Rows<'_> {}

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
    ($($t:ty),*) => {$(
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
        }
    )*};
}

from_volt_int!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize, i128);

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
}

impl<'a> FromVolt<'a> for String {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<String, ConversionError> {
        match v {
            ValueRef::String(s) => Ok(s.to_owned()),
            ref o => wrong(o, "String"),
        }
    }
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
}

impl<'a> FromVolt<'a> for Vec<u8> {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Vec<u8>, ConversionError> {
        <&[u8]>::from_volt(v).map(<[u8]>::to_vec)
    }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cell index as the original cell-by-cell walk builds it (or its error).
    fn walk(buf: &[u8], t: &VoltTable) -> Result<Vec<u32>, ProtocolError> {
        let mut r = Reader::new(buf);
        r.skip(t.rows_start, "rows")?;
        r.check_count(t.row_count as i64, 4, "row count")?;
        let mut cells = Vec::new();
        for _ in 0..t.row_count {
            let len = r.read_size("row length")?;
            let row_end = r.position() + len;
            for c in t.columns() {
                cells.push(r.position() as u32);
                skip_value(&mut r, c.ty)?;
            }
            if r.position() != row_end {
                return Err(ProtocolError::Malformed("row length"));
            }
        }
        Ok(cells)
    }

    #[test]
    fn row_index_agrees_with_a_cell_by_cell_walk_on_damaged_rows() {
        let mut b = VoltTable::builder(vec![
            VoltColumn::new("A", VoltType::String),
            VoltColumn::new("B", VoltType::TinyInt),
            VoltColumn::new("C", VoltType::Varbinary),
            VoltColumn::new("D", VoltType::BigInt),
            VoltColumn::new("E", VoltType::Geography),
        ]);
        for i in 0..4 {
            let s = "x".repeat(i * 3);
            b.add_row(&[
                if i == 2 { Value::Null } else { Value::from(s) },
                Value::from(i as i8),
                Value::from(vec![7u8; i]),
                Value::from(i as i64),
                Value::Null,
            ])
            .unwrap();
        }
        let good = b.build();
        let bytes = good.as_bytes().to_vec();
        assert_eq!(walk(&bytes, &good).unwrap(), good.cells);
        let interesting = [0x00, 0x01, 0x03, 0x7f, 0x80, 0xfe, 0xff];
        let mut checked = 0;
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
                        (Ok(t), Ok(cells)) => assert_eq!(t.cells, cells, "byte {at} = {v:#x}"),
                        (Err(e), Err(want)) => assert_eq!(e, want, "byte {at} = {v:#x}"),
                        (got, want) => {
                            panic!("byte {at} = {v:#x}, cut {cut}: {got:?} vs {want:?}")
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 500);
    }
}
