//! Conversions from table cells and rows to Rust types: [`FromVolt`] (one
//! cell, like `postgres_types::FromSql`) and [`FromRow`] (a whole row).

mod from_row;
mod from_volt;

pub use from_row::FromRow;
pub use from_volt::FromVolt;
