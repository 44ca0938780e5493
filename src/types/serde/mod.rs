//! Feature `serde`: rows into your own types, responses as JSON,
//! parameters from your structs.
//!
//! * [`Row::deserialize`](crate::Row::deserialize) and
//!   [`VoltTable::deserialize`](crate::VoltTable::deserialize): rows into
//!   `#[derive(Deserialize)]` structs (by column name), tuples and tuple
//!   structs (by position). See [`de`] for how columns meet fields.
//! * `Serialize` for [`Value`](crate::Value), [`Row`](crate::Row),
//!   [`VoltTable`](crate::VoltTable) and [`VoltResponse`](crate::VoltResponse):
//!   `serde_json::to_string(&response)`.
//! * [`to_params`]: a `#[derive(Serialize)]` struct's
//!   fields as parameters, in order.
//! * `Serialize` and `Deserialize` for [`Decimal`](crate::Decimal),
//!   [`Timestamp`](crate::Timestamp), [`Date`](crate::Date) and the
//!   geography types, so they can be fields (and `rust_decimal::Decimal`,
//!   through its own `serde` feature, which this one turns on).

mod cell;
pub mod de;
mod params;
mod ser;
mod types;

pub use de::DeserializeRows;
pub use params::to_params;
