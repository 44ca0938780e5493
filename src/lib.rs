#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc = include_str!("../README.md")]

pub mod client;
pub mod error;
pub mod hashinator;
pub mod procedure;
mod pyrepr;
pub mod response;
pub mod serializer;
pub mod table;
#[cfg(feature = "test-server")]
pub mod testing;
mod transport;
pub mod types;
pub mod wire;

pub use client::{Client, ClientBuilder, ClientConfig, ClientStats};
pub use error::{ConversionError, EncodeError, Error, LoginError, ProtocolError, Result};
pub use procedure::VoltProcedure;
pub use response::{VoltException, VoltResponse};
pub use serializer::{FastSerializer, FastSerializerBuilder};
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
