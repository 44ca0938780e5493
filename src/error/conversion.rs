//! Table cells and values that cannot become the requested Rust type.

use super::ProtocolError;
use crate::wire::types::VoltType;

/// A table cell or value that cannot become the requested Rust type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConversionError {
    /// The cell is SQL NULL and the target type cannot hold NULL (use `Option<T>`).
    #[error("{}", self.describe(None))]
    UnexpectedNull {
        /// Column index.
        column: usize,
    },
    /// The cell's type does not convert to the requested type.
    #[error("{}", self.describe(None))]
    WrongType {
        /// Column index.
        column: usize,
        /// The column type.
        ty: VoltType,
        /// The requested Rust type.
        target: &'static str,
    },
    /// The value does not fit the requested type.
    #[error("{}", self.describe(None))]
    Overflow {
        /// Column index.
        column: usize,
        /// The requested Rust type.
        target: &'static str,
    },
    /// A value that the requested type cannot represent (e.g. a TIMESTAMP
    /// beyond the range of a date-time library's type).
    #[error("{value} does not fit {target}")]
    OutOfRange {
        /// The value, as text.
        value: String,
        /// The requested Rust type.
        target: &'static str,
    },
    /// No column has this name.
    #[error("no column named {0:?}")]
    NoSuchColumn(String),
    /// Column index out of range.
    #[error("column index {index} out of range ({count} columns)")]
    ColumnIndex {
        /// Index asked for.
        index: usize,
        /// Number of columns.
        count: usize,
    },
    /// Row index out of range.
    #[error("row index {index} out of range ({count} rows)")]
    RowIndex {
        /// Index asked for.
        index: usize,
        /// Number of rows.
        count: usize,
    },
    /// A row was read as a tuple of another size (see
    /// [`FromRow`](crate::FromRow)).
    #[error("a row of {found} columns read as {expected} values")]
    ColumnCount {
        /// The tuple's size.
        expected: usize,
        /// The row's columns.
        found: usize,
    },
    /// The cell's bytes are malformed (e.g. invalid UTF-8 in a VARCHAR).
    #[error("{}", self.describe(None))]
    Malformed {
        /// Column index.
        column: usize,
        /// What is wrong.
        problem: ProtocolError,
    },
    /// A field of the type read with `Row::deserialize` (feature `serde`)
    /// that no column matches by name.
    #[error("no column matches field {field:?}")]
    MissingColumn {
        /// The field.
        field: String,
    },
    /// A column that matches no field of a type that denies unknown fields
    /// (`#[serde(deny_unknown_fields)]`).
    #[error("column {column:?} matches no field")]
    UnknownColumn {
        /// The column's name.
        column: String,
    },
    /// A cell that does not fit its field (feature `serde`): the wrong
    /// type, a value out of range, a NULL into a field that is not an `Option`.
    #[error("column {column:?} into field {field}: {source}")]
    Field {
        /// The column's name.
        column: String,
        /// The field's name (`.0`, `.1`, ... for a tuple's elements).
        field: String,
        /// What failed.
        source: Box<ConversionError>,
    },
    /// What a `Deserialize` type reported in its own words (feature `serde`).
    #[error("{0}")]
    Custom(String),
    /// A cell read by [`Row::get`](crate::Row::get): the error, with the
    /// name of its column ("column N (index 0) has type INTEGER, which
    /// cannot be read as String"). [`problem`](ConversionError::problem)
    /// gives the error inside.
    #[error("{}", problem.describe(Some(name)))]
    InColumn {
        /// The column's name.
        name: String,
        /// What is wrong (its column index included).
        problem: Box<ConversionError>,
    },
}

/// `"column 3"`, or `"column NAME (index 3)"` when the name is known.
fn column_text(column: usize, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("column {name} (index {column})"),
        None => format!("column {column}"),
    }
}

impl ConversionError {
    /// The error itself, without the column name it was found under: for
    /// matching on what is wrong however the cell was read.
    ///
    /// ```
    /// use voltdb::{ConversionError, Value, VoltColumn, VoltTable, VoltType};
    /// let mut b = VoltTable::builder(vec![VoltColumn::new("N", VoltType::Integer)]);
    /// b.add_row(&[Value::Integer(7)]).unwrap();
    /// let t = b.build();
    /// let err = t.row(0).unwrap().get::<String>("N").unwrap_err();
    /// assert_eq!(err.to_string(), "column N (index 0) has type INTEGER, which cannot be read as String");
    /// assert!(matches!(err.problem(), ConversionError::WrongType { column: 0, .. }));
    /// ```
    pub fn problem(&self) -> &ConversionError {
        match self {
            ConversionError::InColumn { problem, .. } => problem.problem(),
            other => other,
        }
    }

    /// Names the column of this error (read from column `name`).
    #[cold]
    pub(crate) fn in_column(self, name: &str) -> ConversionError {
        match self {
            e @ (ConversionError::UnexpectedNull { .. }
            | ConversionError::WrongType { .. }
            | ConversionError::Overflow { .. }
            | ConversionError::Malformed { .. }) => ConversionError::InColumn {
                name: name.to_string(),
                problem: Box::new(e),
            },
            other => other,
        }
    }

    /// The text of an error about one column, naming it when `name` is given.
    fn describe(&self, name: Option<&str>) -> String {
        match self {
            ConversionError::UnexpectedNull { column } => {
                format!(
                    "{} is NULL; read it as an Option",
                    column_text(*column, name)
                )
            }
            ConversionError::WrongType { column, ty, target } => format!(
                "{} has type {ty}, which cannot be read as {target}",
                column_text(*column, name)
            ),
            ConversionError::Overflow { column, target } => {
                format!(
                    "{}: value does not fit {target}",
                    column_text(*column, name)
                )
            }
            ConversionError::Malformed { column, problem } => {
                format!("{}: {problem}", column_text(*column, name))
            }
            other => other.to_string(),
        }
    }

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
