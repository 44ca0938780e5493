//! Reading tables: [`VoltTable`]'s rows ([`Row`], [`Rows`], [`RowsAs`]),
//! built with [`TableBuilder`], printed as the Python client prints them.
//!
//! The table itself (its bytes and row index) is parsed in
//! [`wire::table`](crate::wire::table); cells are decoded when read, through
//! [`FromVolt`] (one cell) and [`FromRow`] (a whole row).

mod builder;
mod display;
mod row;

pub use crate::types::{FromRow, FromVolt};
pub(crate) use crate::wire::table::ColumnCache;
pub use crate::wire::table::{VoltColumn, VoltTable};
pub use builder::TableBuilder;
pub use row::{ColumnIndex, Row, Rows, RowsAs};

use crate::error::ConversionError;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

impl VoltTable {
    /// Starts building a table with these columns.
    pub fn builder(columns: Vec<VoltColumn>) -> TableBuilder {
        TableBuilder::new(columns)
    }

    /// The index of a column by name (exact match first, then ASCII case-insensitive).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        let columns = self.columns();
        columns.iter().position(|c| c.name == name).or_else(|| {
            columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
        })
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> Result<Row<'_>, ConversionError> {
        if i >= self.row_count() {
            return Err(ConversionError::RowIndex {
                index: i,
                count: self.row_count(),
            });
        }
        let at = i * self.stride();
        // (Always in range: the index has `stride` entries per row.)
        let entries = self.index().get(at..at + self.stride()).unwrap_or_default();
        Ok(Row::new(self, i, entries))
    }

    /// Iterates over the rows.
    pub fn rows(&self) -> Rows<'_> {
        Rows::new(self)
    }

    /// Iterates over the rows converted to `T` (a tuple with one element per
    /// column, or any [`FromRow`] type).
    ///
    /// Each row is what [`Row::to`] gives. To check once that `T` takes
    /// the columns at all, call [`FromRow::accepts`] with
    /// [`columns`](VoltTable::columns).
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
        RowsAs::new(self.rows())
    }

    /// The first column of the first row, for single-value results
    /// (`SELECT COUNT(*)`, `modified_tuples`).
    ///
    /// A result with no rows reads as NULL, as a scalar subquery does in SQL:
    /// `Option<T>` gives `None`; a type that cannot hold NULL gives
    /// [`ConversionError::RowIndex`].
    pub fn scalar<'a, T: FromVolt<'a>>(&'a self) -> crate::Result<T> {
        match self.row(0) {
            Ok(row) => Ok(row.get(0)?),
            Err(empty) => {
                let ty = self.columns().first().map_or(VoltType::Null, |c| c.ty);
                T::from_null(ty).map_err(|_| empty.into())
            }
        }
    }

    /// Every row as owned values (the Python client's `tuples`).
    pub fn tuples(&self) -> crate::Result<Vec<Vec<Value>>> {
        self.rows().map(|r| r.values()).collect()
    }
}

impl<'a> IntoIterator for &'a VoltTable {
    type Item = Row<'a>;
    type IntoIter = Rows<'a>;
    fn into_iter(self) -> Rows<'a> {
        self.rows()
    }
}

#[cfg(test)]
mod tests;
