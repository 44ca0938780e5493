//! One row of a table ([`Row`]), the iterators over them ([`Rows`],
//! [`RowsAs`]) and how a column is named ([`ColumnIndex`]).

use crate::error::{ConversionError, ProtocolError};
use crate::types::{FromRow, FromVolt};
use crate::wire::reader::Reader;
use crate::wire::table::{Place, VoltTable};
use crate::wire::types::VoltType;
use crate::wire::value::{read_value, Value, ValueRef};

/// A column given by index or by name.
pub trait ColumnIndex {
    /// The column's index in `table`.
    fn index(&self, table: &VoltTable) -> Result<usize, ConversionError>;

    /// The column's name when it is given by name, for errors to say it.
    fn name(&self) -> Option<&str> {
        None
    }
}

impl ColumnIndex for usize {
    #[inline]
    fn index(&self, table: &VoltTable) -> Result<usize, ConversionError> {
        let count = table.column_count();
        if *self < count {
            Ok(*self)
        } else {
            Err(ConversionError::ColumnIndex {
                index: *self,
                count,
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

    fn name(&self) -> Option<&str> {
        Some(self)
    }
}

/// One row of a [`VoltTable`].
#[derive(Clone, Copy)]
pub struct Row<'a> {
    table: &'a VoltTable,
    index: usize,
    /// The row's entries in the table's index.
    entries: &'a [u32],
    /// The table's bytes (the entries are offsets in them).
    data: &'a [u8],
    /// Where the cells are, by column (the table's, at hand).
    places: &'a [Place],
    /// The table's kept text.
    text: Option<&'a str>,
}

impl<'a> Row<'a> {
    /// Row `index` of `table`, whose index entries are `entries`.
    #[inline]
    pub(crate) fn new(table: &'a VoltTable, index: usize, entries: &'a [u32]) -> Row<'a> {
        Row {
            table,
            index,
            entries,
            data: table.as_bytes(),
            places: table.places(),
            text: table.text(),
        }
    }

    /// The row's index in its table.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// True for a table without columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A cell, converted to `T` (use `Option<T>` for nullable columns).
    #[inline]
    pub fn get<T: FromVolt<'a>>(&self, col: impl ColumnIndex) -> Result<T, ConversionError> {
        let c = col.index(self.table)?;
        let v = self
            .value(c)
            .and_then(|v| T::from_volt(v).map_err(|e| e.at(c)));
        v.map_err(|e| match col.name() {
            Some(name) => e.in_column(name),
            None => e,
        })
    }

    /// A cell as a borrowed [`ValueRef`].
    pub fn get_ref(&self, col: impl ColumnIndex) -> Result<ValueRef<'a>, ConversionError> {
        self.value(col.index(self.table)?)
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
    pub fn to<T: FromRow<'a>>(&self) -> Result<T, ConversionError> {
        T::from_row(self)
    }

    /// Every cell as an owned [`Value`].
    pub fn values(&self) -> crate::Result<Vec<Value>> {
        (0..self.len())
            .map(|c| Ok(self.value(c)?.to_value()?))
            .collect()
    }

    /// The cell in column `col`, decoded.
    #[inline]
    pub(crate) fn value(&self, col: usize) -> Result<ValueRef<'a>, ConversionError> {
        let malformed = |problem| ConversionError::Malformed {
            column: col,
            problem,
        };
        // Not `None`: `col` is checked against the columns, and every row
        // has the entries its columns need.
        let (place, off) = self
            .places
            .get(col)
            .and_then(|p| Some((p, p.offset(self.entries)?)))
            .ok_or(malformed(ProtocolError::Malformed("cell index")))?;
        let mut r = Reader::new(self.data.get(off..).unwrap_or_default());
        read_cell(&mut r, place, self.text, self.entries).map_err(malformed)
    }

    /// The row's cells, read one after the other (what tuples read with).
    #[inline]
    pub(crate) fn cells(&self) -> Cells<'a> {
        let first = self
            .entries
            .first()
            .map_or(self.data.len(), |&e| e as usize);
        Cells {
            r: Reader::new(self.data.get(first..).unwrap_or_default()),
            places: self.places.iter(),
            col: 0,
            entries: self.entries,
            text: self.text,
        }
    }
}

/// Decodes the cell of column `place` at `r`, for the row whose index
/// entries are `entries` in a table whose kept text is `text`.
#[inline]
fn read_cell<'a>(
    r: &mut Reader<'a>,
    place: &Place,
    text: Option<&'a str>,
    entries: &[u32],
) -> Result<ValueRef<'a>, ProtocolError> {
    match (place.ty, text) {
        (VoltType::String, Some(text)) => kept_string(r, place, text, entries),
        (ty, _) => read_value(r, ty),
    }
}

/// A VARCHAR cell borrowed from the table's text, validated once for the
/// whole table: no UTF-8 check per cell, about 45% of the decode time of
/// the codec bench's table. A cell valid only across cells is read (and
/// refused) as any other.
#[inline]
fn kept_string<'a>(
    r: &mut Reader<'a>,
    place: &Place,
    text: &'a str,
    entries: &[u32],
) -> Result<ValueRef<'a>, ProtocolError> {
    let mut again = r.clone();
    match r.read_bytes("STRING")? {
        None => Ok(ValueRef::Null(VoltType::String)),
        Some(b) => match place.text_in(text, entries, b.len()) {
            Some(s) => Ok(ValueRef::String(s)),
            None => read_value(&mut again, VoltType::String),
        },
    }
}

/// A row's cells in column order, each decoded where the previous one ended.
pub(crate) struct Cells<'a> {
    r: Reader<'a>,
    places: std::slice::Iter<'a, Place>,
    col: usize,
    /// The row's index entries.
    entries: &'a [u32],
    /// The table's kept text.
    text: Option<&'a str>,
}

impl<'a> Cells<'a> {
    /// The next cell, converted to `T`.
    #[inline]
    pub(crate) fn next_as<T: FromVolt<'a>>(&mut self) -> Result<T, ConversionError> {
        let col = self.col;
        let place = self.places.next().ok_or(ConversionError::ColumnIndex {
            index: col,
            count: col,
        })?;
        self.col += 1;
        let v = read_cell(&mut self.r, place, self.text, self.entries).map_err(|problem| {
            ConversionError::Malformed {
                column: col,
                problem,
            }
        })?;
        T::from_volt(v).map_err(|e| e.at(col))
    }
}

/// Iterator over the rows of a table.
pub struct Rows<'a> {
    table: &'a VoltTable,
    next: usize,
    /// The index entries of the rows still to come.
    entries: std::slice::ChunksExact<'a, u32>,
}

impl<'a> Rows<'a> {
    pub(crate) fn new(table: &'a VoltTable) -> Rows<'a> {
        Rows {
            table,
            next: 0,
            entries: table.index().chunks_exact(table.stride()),
        }
    }
}

impl<'a> Iterator for Rows<'a> {
    type Item = Row<'a>;
    #[inline]
    fn next(&mut self) -> Option<Row<'a>> {
        if self.next >= self.table.row_count() {
            return None;
        }
        self.next += 1;
        // (Always `Some`: the index has an entry chunk per row.)
        let entries = self.entries.next().unwrap_or_default();
        Some(Row::new(self.table, self.next - 1, entries))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.table.row_count() - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Rows<'_> {}

/// Iterator over the rows of a table converted to `T` (see
/// [`VoltTable::rows_as`]).
pub struct RowsAs<'a, T> {
    rows: Rows<'a>,
    _to: std::marker::PhantomData<fn() -> T>,
}

impl<'a, T> RowsAs<'a, T> {
    pub(crate) fn new(rows: Rows<'a>) -> RowsAs<'a, T> {
        RowsAs {
            rows,
            _to: std::marker::PhantomData,
        }
    }
}

impl<'a, T: FromRow<'a>> Iterator for RowsAs<'a, T> {
    type Item = Result<T, ConversionError>;
    #[inline]
    fn next(&mut self) -> Option<Result<T, ConversionError>> {
        Some(T::from_row(&self.rows.next()?))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

impl<'a, T: FromRow<'a>> ExactSizeIterator for RowsAs<'a, T> {}
