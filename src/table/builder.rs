//! [`TableBuilder`]: a [`VoltTable`] made row by row.

use crate::error::EncodeError;
use crate::wire::table::{encode_table, write_row, VoltColumn, VoltTable};
use crate::wire::value::Value;

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
        write_row(&mut self.rows, &self.columns, values)?;
        self.row_count += 1;
        Ok(self)
    }

    /// Encodes the table.
    pub fn build(&self) -> VoltTable {
        let bytes = encode_table(self.status, &self.columns, self.row_count, &self.rows);
        // The bytes were made by this builder from checked values; parsing
        // them cannot fail, but a failure is still reported as an empty table
        // rather than a panic.
        VoltTable::from_bytes(bytes).unwrap_or_else(|_| VoltTable::empty(self.status))
    }
}
