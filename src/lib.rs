//! A synchronous client for [VoltDB](https://www.voltdb.com/), speaking its
//! binary wire protocol, with the official Python client's API and a
//! thread-safe, cluster-aware [`Client`].
//!
//! ```no_run
//! use voltdb::{FastSerializer, Value, VoltProcedure, VoltType};
//!
//! fn main() -> Result<(), voltdb::Error> {
//!     // One connection, used by one caller at a time (Python's FastSerializer).
//!     let client = FastSerializer::new("localhost", 21212)?;
//!     let proc = VoltProcedure::new(&client, "Select", vec![VoltType::String]);
//!     if let Some(response) = proc.call(&[Value::from("English")], true, None)? {
//!         println!("{response}"); // what Python's print(response) shows
//!     }
//!     // Calls without declared types, and a typed read of the result.
//!     let n: i64 = client.adhoc("SELECT COUNT(*) FROM HELLOWORLD", &[])?.tables[0].scalar()?;
//!     println!("{n} rows");
//!     client.close();
//!     Ok(())
//! }
//! ```
//!
//! # Where to start
//!
//! * [`FastSerializer`] and [`VoltProcedure`]: the Python client's classes,
//!   one socket, one call at a time. Responses are [`VoltResponse`]s holding
//!   [`VoltTable`]s; read cells with [`Row::get`], whole rows as tuples with
//!   [`VoltTable::rows_as`], a single value with [`VoltTable::scalar`].
//! * [`Client`]: `Send + Sync`, cheap to clone; calls from many threads are
//!   pipelined over pooled connections that reconnect by themselves;
//!   [`Client::cluster`] discovers every node from one address and sends
//!   each single-partition call to its partition leader. See [`client`].
//! * [`Value`]: a parameter, built with `Value::from` from Rust values;
//!   [`VoltType`] names the column and parameter types.
//! * [`Error`]: the one error type, whose variants say what failed and where.
//!   A call the server answers with a failure status is an
//!   [`Error::Server`] (see [which calls](error#which-calls-return-a-failure-status-as-an-error)).
//! * [`wire`]: the codec alone, on byte slices, without I/O.
//! * `testing` (feature `test-server`): an in-process VoltDB server to test
//!   your application against, with your own procedures and scripted faults.
//!
//! # Features
//!
//! * `test-server`: the `testing` module. Off by default; enable it in
//!   `[dev-dependencies]`.
//! * `chrono`, `time`: TIMESTAMP to and from `chrono::DateTime<Utc>` and
//!   `NaiveDateTime`, `time::OffsetDateTime` and `PrimitiveDateTime`, as
//!   parameters (`Value::try_from`) and cells (`row.get::<DateTime<Utc>>(..)`),
//!   with a range error rather than a clamp.
//! * `serde`: rows into `#[derive(Deserialize)]` types
//!   (`Row::deserialize`, `VoltTable::deserialize`), responses as JSON
//!   (`Serialize`), parameters from a `#[derive(Serialize)]` struct
//!   (`to_params`). See `types::serde`.
//!
//! # Guarantees
//!
//! No `unsafe` code. No panic, hang or unbounded allocation on any bytes
//! received: every decoder returns a typed error, every length is checked
//! before anything is reserved, and every blocking call ends with a result,
//! a timeout or an error.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
mod connection;
pub mod error;
mod python;
pub mod response;
pub mod table;
#[cfg(feature = "test-server")]
pub mod testing;
pub mod types;
pub mod wire;

pub use client::{Client, ClientBuilder, ClientConfig, ClientStats};
#[cfg(feature = "tls")]
pub use connection::TlsConfig;
pub use error::{
    ConversionError, EncodeError, Error, ForeignAnswer, LoginError, ProtocolError, Result,
};
pub use python::{FastSerializer, FastSerializerBuilder, VoltProcedure};
pub use response::{VoltException, VoltResponse};
pub use table::{
    ColumnIndex, FromRow, FromVolt, Row, Rows, RowsAs, TableBuilder, VoltColumn, VoltTable,
};
#[cfg(feature = "serde")]
pub use types::serde::{to_params, DeserializeRows};
pub use wire::decimal::Decimal;
pub use wire::geo::{Geography, GeographyPoint, XyzPoint};
pub use wire::login::HashScheme;
pub use wire::response::Status;
pub use wire::timestamp::{Date, Timestamp};
pub use wire::types::VoltType;
pub use wire::value::{RawCell, Value, ValueRef};

/// The README's examples, compiled and run as doctests (not shown in the docs).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
