#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! A synchronous VoltDB client.

pub mod error;
pub mod hashinator;
mod pyrepr;
pub mod response;
pub mod table;
#[cfg(feature = "test-server")]
pub mod testing;
pub mod wire;

pub use error::{ConversionError, EncodeError, Error, LoginError, ProtocolError, Result};
pub use response::{VoltException, VoltResponse};
pub use table::{ColumnIndex, FromVolt, Row, Rows, TableBuilder, VoltColumn, VoltTable};
pub use wire::decimal::Decimal;
pub use wire::geo::{Geography, GeographyPoint, XyzPoint};
pub use wire::login::HashScheme;
pub use wire::response::Status;
pub use wire::timestamp::{Date, Timestamp};
pub use wire::types::VoltType;
pub use wire::value::{Value, ValueRef};
