#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc = include_str!("../README.md")]

pub mod client;
mod connection;
pub mod error;
pub mod hashinator;
mod python;
pub mod response;
pub mod table;
#[cfg(feature = "test-server")]
pub mod testing;
pub mod wire;

// The Python `repr()` helpers under their old path, for code that still
// names them so.
use python::repr as pyrepr;

pub use client::{Client, ClientBuilder, ClientConfig, ClientStats};
pub use error::{ConversionError, EncodeError, Error, LoginError, ProtocolError, Result};
pub use python::{FastSerializer, FastSerializerBuilder, VoltProcedure};
pub use response::{VoltException, VoltResponse};
pub use table::{
    ColumnIndex, FromRow, FromVolt, Row, Rows, RowsAs, TableBuilder, VoltColumn, VoltTable,
};
pub use wire::decimal::Decimal;
pub use wire::geo::{Geography, GeographyPoint, XyzPoint};
pub use wire::login::HashScheme;
pub use wire::response::Status;
pub use wire::timestamp::{Date, Timestamp};
pub use wire::types::VoltType;
pub use wire::value::{Value, ValueRef};
