//! `Display` of columns, tables and rows: `{}` as the Python client prints
//! them, `{:#}` as an aligned text table in Rust/SQL notation.

use std::fmt::{self, Write as _};

use crate::table::Row;
use crate::wire::table::{VoltColumn, VoltTable};
use crate::wire::types::VoltType;
use crate::wire::value::ValueRef;

/// The widest cell of a `{:#}` table, in characters: longer cells (and
/// column names) are cut to this width, ending with `…` (documented on
/// `VoltTable`'s `Display`).
const MAX_CELL_WIDTH: usize = 40;

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
    /// `{}`: the Python client's `str(table)`.
    ///
    /// `{:#}`: an aligned text table for people to read: a line of column
    /// names, a line of column types, a rule, one line per row, and the row
    /// count. Numbers are right-aligned. Values are in Rust/SQL notation:
    /// strings quoted (`'it''s'`), so that NULL (shown as `NULL`) differs
    /// from the string `'NULL'`; binary as `X'0A1B'`; timestamps in ISO 8601
    /// (`2023-11-14T22:15:00Z`); decimals plain (`12.5`); floats as Rust
    /// prints them (`1e300`); points and polygons in WKT. Cells and names
    /// longer than 40 characters are cut to 40, the last one `…`.
    ///
    /// ```
    /// use voltdb::{Value, VoltColumn, VoltTable, VoltType};
    /// let mut b = VoltTable::builder(vec![
    ///     VoltColumn::new("ID", VoltType::Integer),
    ///     VoltColumn::new("NAME", VoltType::String),
    /// ]);
    /// b.add_row(&[Value::from(1), Value::from("Ann")]).unwrap();
    /// b.add_row(&[Value::from(20), Value::Null]).unwrap();
    /// let want = [
    ///     "     ID  NAME",
    ///     "INTEGER  STRING",
    ///     "-------  ------",
    ///     "      1  'Ann'",
    ///     "     20  NULL",
    ///     "(2 rows)",
    /// ];
    /// assert_eq!(format!("{:#}", b.build()), want.join("\n"));
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return text_table(self, f);
        }
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

/// The `{:#}` form of a table (see its `Display`).
fn text_table(t: &VoltTable, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let columns = t.columns();
    let names: Vec<String> = columns.iter().map(|c| cut(c.name.clone())).collect();
    let types: Vec<String> = columns.iter().map(|c| c.ty.name().to_string()).collect();
    let cells: Vec<Vec<String>> = t
        .rows()
        .map(|r| (0..r.len()).map(|c| cut(cell(r.get_ref(c)))).collect())
        .collect();
    let mut widths: Vec<usize> = names
        .iter()
        .zip(&types)
        .map(|(n, ty)| n.chars().count().max(ty.len()))
        .collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let right: Vec<bool> = columns.iter().map(|c| is_number(c.ty)).collect();
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    for line in [&names, &types, &rule].into_iter().chain(&cells) {
        write_line(f, line, &widths, &right)?;
        f.write_char('\n')?;
    }
    match t.row_count() {
        1 => f.write_str("(1 row)"),
        n => write!(f, "({n} rows)"),
    }
}

/// One line of a text table: cells padded to their column's width, two
/// spaces apart, without trailing spaces.
fn write_line(
    f: &mut fmt::Formatter<'_>,
    cells: &[String],
    widths: &[usize],
    right: &[bool],
) -> fmt::Result {
    let mut line = String::new();
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        let pad = w.saturating_sub(c.chars().count());
        if right[i] {
            line.extend(std::iter::repeat(' ').take(pad));
            line.push_str(c);
        } else {
            line.push_str(c);
            line.extend(std::iter::repeat(' ').take(pad));
        }
    }
    f.write_str(line.trim_end())
}

fn is_number(ty: VoltType) -> bool {
    matches!(
        ty,
        VoltType::TinyInt
            | VoltType::SmallInt
            | VoltType::Integer
            | VoltType::BigInt
            | VoltType::Float
            | VoltType::Decimal
    )
}

/// `s` cut to [`MAX_CELL_WIDTH`] characters, the last one `…` when cut.
fn cut(s: String) -> String {
    if s.chars().count() <= MAX_CELL_WIDTH {
        return s;
    }
    let mut out: String = s.chars().take(MAX_CELL_WIDTH - 1).collect();
    out.push('…');
    out
}

/// A cell in Rust/SQL notation (see `VoltTable`'s `Display`).
fn cell<E>(v: Result<ValueRef<'_>, E>) -> String {
    let Ok(v) = v else {
        return "<malformed>".into();
    };
    match v {
        ValueRef::Null(_) => "NULL".into(),
        ValueRef::TinyInt(x) => x.to_string(),
        ValueRef::SmallInt(x) => x.to_string(),
        ValueRef::Integer(x) => x.to_string(),
        ValueRef::BigInt(x) => x.to_string(),
        ValueRef::Float(x) => format!("{x:?}"),
        ValueRef::String(s) => quoted(s),
        ValueRef::Varbinary(b) => {
            let mut s = String::with_capacity(b.len() * 2 + 3);
            s.push_str("X'");
            for byte in b {
                let _ = write!(s, "{byte:02X}");
            }
            s.push('\'');
            s
        }
        ValueRef::Timestamp(t) => t.to_string(),
        ValueRef::Date(d) => d.to_string(),
        ValueRef::Decimal(d) => plain_decimal(&d.to_string()),
        ValueRef::Boolean(b) => b.to_string(),
        ValueRef::GeographyPoint(p) => p.to_string(),
        ValueRef::Geography(_) => match v.to_value() {
            Ok(g) => g.as_geography().map_or_else(String::new, |g| g.to_string()),
            Err(_) => "<malformed>".into(),
        },
    }
}

/// A SQL string literal: quoted, quotes doubled, control characters escaped
/// (so that a cell stays on its line).
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A decimal's text without the trailing zeros of its 12 fractional
/// digits, keeping one: `12.500000000000` → `12.5`, `3.000000000000` → `3.0`.
fn plain_decimal(s: &str) -> String {
    match s.split_once('.') {
        Some((int, frac)) => {
            let frac = frac.trim_end_matches('0');
            format!("{int}.{}", if frac.is_empty() { "0" } else { frac })
        }
        None => s.to_string(),
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
