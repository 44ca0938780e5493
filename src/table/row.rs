//! One row of a table ([`Row`]), the iterators over them ([`Rows`],
//! [`RowsAs`]) and how a column is named ([`ColumnIndex`]).

use crate::error::{ConversionError, ProtocolError};
use crate::types::{from_cell, FromRow, FromVolt};
use crate::wire::reader::Reader;
use crate::wire::table::{Place, VoltColumn, VoltTable};
use crate::wire::types::VoltType;
use crate::wire::value::{read_raw, RawCell, Value, ValueRef};

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
    pub(super) table: &'a VoltTable,
    index: usize,
    /// The row's entries in the table's index.
    pub(super) entries: &'a [u32],
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

    /// The columns of the row's table.
    pub fn columns(&self) -> &'a [VoltColumn] {
        self.table.columns()
    }

    /// A cell, converted to `T` (use `Option<T>` for nullable columns).
    #[inline(always)]
    pub fn get<T: FromVolt<'a>>(&self, col: impl ColumnIndex) -> Result<T, ConversionError> {
        let c = col.index(self.table)?;
        self.cell_as(c).map_err(|e| match col.name() {
            Some(name) => e.in_column(name),
            None => e,
        })
    }

    /// A cell as a borrowed [`ValueRef`].
    pub fn get_ref(&self, col: impl ColumnIndex) -> Result<ValueRef<'a>, ConversionError> {
        self.get(col)
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
            .map(|c| Ok(self.get_ref(c)?.to_value()?))
            .collect()
    }

    /// The cell in column `col` (which must be in range), converted to `T`:
    /// what every getter and tuple reads with.
    #[inline(always)]
    pub(crate) fn cell_as<T: FromVolt<'a>>(&self, col: usize) -> Result<T, ConversionError> {
        match self.split_cell(col, self.cell_bytes(col)) {
            Some((ty, cell, _)) => from_cell(ty, cell).map_err(|e| e.at(col)),
            None => self.cell_as_slowly(col),
        }
    }

    /// [`cell_as`](Self::cell_as) for a read along the row: the cell of
    /// column `col` is at the start of `at`, which is left just past it.
    /// Tuples read so, each cell where the last one ended: a quarter
    /// fewer instructions per cell than looking each up in the index.
    #[inline(always)]
    pub(crate) fn next_as<T: FromVolt<'a>>(
        &self,
        col: usize,
        at: &mut &'a [u8],
    ) -> Result<T, ConversionError> {
        match self.split_cell(col, at) {
            Some((ty, cell, rest)) => {
                *at = rest;
                from_cell(ty, cell).map_err(|e| e.at(col))
            }
            None => {
                *at = self.cell_bytes(col + 1);
                self.cell_as_slowly(col)
            }
        }
    }

    /// The row's bytes from the start of the cell of column `col` (empty
    /// past the last column).
    #[inline(always)]
    pub(crate) fn cell_bytes(&self, col: usize) -> &'a [u8] {
        self.places
            .get(col)
            .and_then(|p| self.data.get(p.offset(self.entries)?..))
            .unwrap_or_default()
    }

    /// The type and bytes of the cell of column `col` at the start of `at`
    /// (`None`: NULL) and the bytes after it, when found without a check
    /// that can fail: a fixed-size cell, a VARBINARY or GEOGRAPHY, or a
    /// VARCHAR from the table's kept text. Errors and the other VARCHARs
    /// are left to [`cell_as_slowly`](Self::cell_as_slowly): a lean inline
    /// path, about half the instructions per cell.
    #[inline(always)]
    fn split_cell(
        &self,
        col: usize,
        at: &'a [u8],
    ) -> Option<(VoltType, Option<RawCell<'a>>, &'a [u8])> {
        let place = self.places.get(col)?;
        let ty = place.ty;
        if place.width > 0 {
            let (bytes, rest) = at.split_at_checked(place.width as usize)?;
            return Some((ty, RawCell::fixed(ty, bytes), rest));
        }
        let (len, rest) = at.split_first_chunk::<4>()?;
        let len = i32::from_be_bytes(*len);
        if len == -1 {
            return Some((ty, None, rest));
        }
        let (bytes, rest) = rest.split_at_checked(usize::try_from(len).ok()?)?;
        let cell = match ty {
            VoltType::String => {
                RawCell::of_str(place.text_in(self.text?, self.entries, bytes.len())?)
            }
            _ => RawCell::var(ty, bytes),
        };
        Some((ty, Some(cell), rest))
    }

    /// [`cell_as`](Self::cell_as) through the checked reader.
    #[cold]
    #[inline(never)]
    pub(super) fn cell_as_slowly<T: FromVolt<'a>>(&self, col: usize) -> Result<T, ConversionError> {
        let (ty, cell) = self
            .raw(col)
            .map_err(|problem| ConversionError::Malformed {
                column: col,
                problem,
            })?;
        from_cell(ty, cell).map_err(|e| e.at(col))
    }

    /// The type and bytes of the cell in column `col` (`None`: NULL).
    fn raw(&self, col: usize) -> Result<(VoltType, Option<RawCell<'a>>), ProtocolError> {
        // Not `None`: `col` is checked against the columns, and every row
        // has the entries its columns need.
        let (place, off) = self
            .places
            .get(col)
            .and_then(|p| Some((p, p.offset(self.entries)?)))
            .ok_or(ProtocolError::Malformed("cell index"))?;
        let mut r = Reader::new(self.data.get(off..).unwrap_or_default());
        let cell = match (place.ty, self.text) {
            (VoltType::String, Some(text)) => kept_string(&mut r, place, text, self.entries)?,
            (ty, _) => read_raw(&mut r, ty)?,
        };
        Ok((place.ty, cell))
    }
}

/// A VARCHAR cell borrowed from the table's text, validated once for the
/// whole table: no UTF-8 check per cell, about 45% of the decode time of
/// the codec bench's table. A cell valid only across cells is read (and
/// refused) as any other.
fn kept_string<'a>(
    r: &mut Reader<'a>,
    place: &Place,
    text: &'a str,
    entries: &[u32],
) -> Result<Option<RawCell<'a>>, ProtocolError> {
    let mut again = r.clone();
    match r.read_bytes("STRING")? {
        None => Ok(None),
        Some(b) => match place.text_in(text, entries, b.len()) {
            Some(s) => Ok(Some(RawCell::of_str(s))),
            None => read_raw(&mut again, VoltType::String),
        },
    }
}

/// Iterator over the rows of a table.
pub struct Rows<'a> {
    /// Row 0 without its entries: what every row shares, looked up once.
    shared: Row<'a>,
    next: usize,
    count: usize,
    /// The index entries of the rows still to come.
    entries: std::slice::ChunksExact<'a, u32>,
}

impl<'a> Rows<'a> {
    pub(crate) fn new(table: &'a VoltTable) -> Rows<'a> {
        Rows {
            shared: Row::new(table, 0, &[]),
            next: 0,
            count: table.row_count(),
            entries: table.index().chunks_exact(table.stride()),
        }
    }
}

impl<'a> Iterator for Rows<'a> {
    type Item = Row<'a>;
    #[inline]
    fn next(&mut self) -> Option<Row<'a>> {
        if self.next >= self.count {
            return None;
        }
        self.next += 1;
        // (Always `Some`: the index has an entry chunk per row.)
        let entries = self.entries.next().unwrap_or_default();
        Some(Row {
            index: self.next - 1,
            entries,
            ..self.shared
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.count - self.next;
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
