//! [`FromRow`]: a whole row to a Rust type, implemented for tuples.

use crate::error::ConversionError;
use crate::table::Row;
use crate::types::FromVolt;
use crate::wire::table::VoltColumn;

/// Conversion from a whole row to a Rust type: implemented for tuples of
/// [`FromVolt`] types (one element per column, in order, up to 16), and by
/// your own types with [`Row::get`].
///
/// A tuple checks the column count once, then reads each cell where the
/// last one ended, faster than one [`Row::get`] per cell.
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

    /// Whether rows of these columns can convert (their values may still
    /// fail, e.g. a NULL where no `Option` takes it), to check once per
    /// table before reading its rows. A tuple
    /// takes one element per column, each of a type whose
    /// [`FromVolt::accepts`] takes the column's type. The default takes
    /// any columns.
    fn accepts(columns: &[VoltColumn]) -> Result<(), ConversionError> {
        let _ = columns;
        Ok(())
    }
}

/// A tuple element's type: its `accepts` and its name.
type Element = (fn(crate::VoltType) -> bool, &'static str);

/// Whether tuple elements of these types (`accepts` of each, with its
/// name) take `columns`.
fn tuple_accepts(columns: &[VoltColumn], elements: &[Element]) -> Result<(), ConversionError> {
    if columns.len() != elements.len() {
        return Err(ConversionError::ColumnCount {
            expected: elements.len(),
            found: columns.len(),
        });
    }
    for (column, (c, (accepts, target))) in columns.iter().zip(elements).enumerate() {
        if !accepts(c.ty) {
            return Err(ConversionError::WrongType {
                column,
                ty: c.ty,
                target,
            });
        }
    }
    Ok(())
}

/// `FromRow` for the tuples of these sizes: every element read along the
/// row after checking the column count.
macro_rules! tuple_from_row {
    ($($n:literal: ($($t:ident),+)),+ $(,)?) => {$(
        impl<'a, $($t: FromVolt<'a>),+> FromRow<'a> for ($($t,)+) {
            fn from_row(row: &Row<'a>) -> Result<Self, ConversionError> {
                if row.len() != $n {
                    return Err(ConversionError::ColumnCount {
                        expected: $n,
                        found: row.len(),
                    });
                }
                let (mut col, mut at) = (0, row.cell_bytes(0));
                Ok(($({
                    col += 1;
                    row.next_as::<$t>(col - 1, &mut at)?
                },)+))
            }

            fn accepts(columns: &[VoltColumn]) -> Result<(), ConversionError> {
                tuple_accepts(columns, &[$(($t::accepts, std::any::type_name::<$t>())),+])
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
