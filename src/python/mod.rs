//! The official Python client's API, in Rust: [`FastSerializer`] (one
//! connection, one caller at a time, with Python's `read_*`/`write_*`
//! buffer methods) and [`VoltProcedure`], plus the Python `repr()` of
//! values that `Display` of tables and responses prints. Re-exported at the
//! crate root. It names things as Python does and runs on the same
//! connection core as [`Client`](crate::Client).

mod buffer;
mod builder;
mod procedure;
pub(crate) mod repr;
mod serializer;

pub use builder::FastSerializerBuilder;
pub use procedure::VoltProcedure;
pub use serializer::FastSerializer;
