#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! A synchronous VoltDB client.

pub mod error;
pub mod hashinator;
pub mod wire;

pub use error::{ConversionError, EncodeError, Error, LoginError, ProtocolError, Result};
pub use wire::decimal::Decimal;
pub use wire::timestamp::{Date, Timestamp};
pub use wire::types::VoltType;
