//! [`TableShape`]: result tables of a fixed layout written straight into a
//! reply, for the built-in procedures' hot path.

use crate::table::{TableBuilder, VoltColumn};
use crate::wire::types::VoltType;
use crate::wire::writer::{begin_frame, end_frame, WireWrite};

/// The columns (and status byte) of a result table, kept as the encoding of
/// the table with no rows (docs/protocol.md#tables: total length, header length,
/// status, columns, row count). [`write`](Self::write) appends a table of
/// that layout with rows the caller encodes — the same bytes
/// [`TableBuilder::build`] makes for the same values, without building a
/// [`VoltTable`](crate::VoltTable) (which also indexes every cell).
#[derive(Debug, Clone)]
pub(crate) struct TableShape {
    empty: Vec<u8>,
}

impl TableShape {
    /// The shape of a table with these columns and status byte.
    pub(crate) fn new(columns: &[(&str, VoltType)], status: i8) -> TableShape {
        let cols = columns
            .iter()
            .map(|(n, t)| VoltColumn::new(*n, *t))
            .collect();
        TableShape {
            empty: TableBuilder::new(cols)
                .status(status)
                .build()
                .as_bytes()
                .to_vec(),
        }
    }

    /// Appends a table to `out`: `rows` appends the rows (each with
    /// [`put_row`]) and returns how many it wrote.
    pub(crate) fn write(&self, out: &mut Vec<u8>, rows: impl FnOnce(&mut Vec<u8>) -> i32) {
        let start = out.len();
        out.put_raw(&self.empty);
        let count_at = out.len() - 4;
        let n = rows(out);
        out[count_at..count_at + 4].copy_from_slice(&n.to_be_bytes());
        end_frame(out, start);
    }
}

/// Appends one row: its length, then the cells `cells` appends (each in
/// its column's encoding).
pub(crate) fn put_row(out: &mut Vec<u8>, cells: impl FnOnce(&mut Vec<u8>)) {
    let at = begin_frame(out);
    cells(out);
    end_frame(out, at);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::value::Value;

    #[test]
    fn same_bytes_as_table_builder() {
        let cols = [("KEY", VoltType::String), ("VALUE", VoltType::Varbinary)];
        let shape = TableShape::new(&cols, -128);
        type Row<'a> = (&'a str, Option<&'a [u8]>);
        let cases: [&[Row]; 4] = [
            &[],
            &[("k", Some(b"\x01\x02"))],
            &[("", None)],
            &[("a", Some(b"")), ("key-000001", Some(&[0x5a; 32]))],
        ];
        for rows in cases {
            let mut out = vec![0xee];
            shape.write(&mut out, |out| {
                for (k, v) in rows {
                    put_row(out, |out| {
                        out.put_str(Some(k));
                        out.put_bytes(*v);
                    });
                }
                rows.len() as i32
            });
            let values: Vec<Vec<Value>> = rows
                .iter()
                .map(|(k, v)| vec![Value::from(*k), Value::from(v.map(<[u8]>::to_vec))])
                .collect();
            let expected = crate::testing::table(&cols, &values).unwrap();
            assert_eq!(out[0], 0xee);
            assert_eq!(&out[1..], expected.as_bytes(), "{rows:?}");
        }
        let shape = TableShape::new(&[("modified_tuples", VoltType::BigInt)], 0);
        let mut out = Vec::new();
        shape.write(&mut out, |out| {
            put_row(out, |out| out.put_i64(3));
            1
        });
        assert_eq!(out, crate::testing::modified_tuples_table(3).as_bytes());
    }
}
