//! Conversions from table cells and rows to Rust types: [`FromVolt`] (one
//! cell, like `postgres_types::FromSql`) and [`FromRow`] (a whole row).

#[cfg(any(feature = "chrono", feature = "time"))]
mod datetime;
mod from_row;
mod from_volt;
#[cfg(feature = "serde")]
pub mod serde;
#[cfg(feature = "chrono")]
mod with_chrono;
#[cfg(feature = "time")]
mod with_time;

pub use from_row::FromRow;
pub(crate) use from_volt::from_cell;
pub use from_volt::FromVolt;
