//! `Display` of columns, tables and rows as the Python client prints them.

use std::fmt;

use crate::table::Row;
use crate::wire::table::{VoltColumn, VoltTable};

impl fmt::Display for VoltColumn {
    /// `(NAME: code)`; an unnamed column is `modified tuples`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() {
            "modified tuples"
        } else {
            &self.name
        };
        write!(f, "({}: {})", name, self.ty.code())
    }
}

impl fmt::Display for VoltTable {
    /// The Python client's `str(table)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column count: {}\nrow count: {}\ncols: ",
            self.column_count(),
            self.row_count()
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

impl fmt::Display for Row<'_> {
    /// Python's `str(list)` of the row, NULL shown as `'NULL'`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for c in 0..self.len() {
            if c > 0 {
                f.write_str(", ")?;
            }
            match self.get_ref(c) {
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
