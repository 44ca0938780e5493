//! [`IntoRow`]: what `insert` accepts as a row.

use crate::wire::value::Value;

/// A row for a bulk loader: values in the table's column order.
///
/// Implemented for `Vec<Value>`, `&[Value]`, `[Value; N]` and tuples (up
/// to 12 elements) of anything that converts into a [`Value`].
///
/// ```
/// use voltdb::client::bulk::IntoRow;
/// use voltdb::Value;
/// assert_eq!((1i64, "a").into_row(), vec![Value::from(1i64), Value::from("a")]);
/// ```
pub trait IntoRow {
    /// The values: borrowed rows are not copied.
    type Values: AsRef<[Value]>;

    /// The values, in column order.
    fn into_row(self) -> Self::Values;
}

impl IntoRow for Vec<Value> {
    type Values = Vec<Value>;

    fn into_row(self) -> Vec<Value> {
        self
    }
}

impl<'a> IntoRow for &'a [Value] {
    type Values = &'a [Value];

    fn into_row(self) -> &'a [Value] {
        self
    }
}

impl<'a> IntoRow for &'a Vec<Value> {
    type Values = &'a [Value];

    fn into_row(self) -> &'a [Value] {
        self
    }
}

impl<const N: usize> IntoRow for [Value; N] {
    type Values = [Value; N];

    fn into_row(self) -> [Value; N] {
        self
    }
}

macro_rules! tuple_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Into<Value>),+> IntoRow for ($($t,)+) {
            type Values = Vec<Value>;

            fn into_row(self) -> Vec<Value> {
                vec![$(self.$i.into()),+]
            }
        }
    };
}

tuple_row!(A 0);
tuple_row!(A 0, B 1);
tuple_row!(A 0, B 1, C 2);
tuple_row!(A 0, B 1, C 2, D 3);
tuple_row!(A 0, B 1, C 2, D 3, E 4);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
