//! The connection core both clients run on: [`FastSerializer`](crate::FastSerializer)
//! (one caller at a time) and [`Client`](crate::Client) (many threads).
//!
//! - opening: TCP connect with a timeout and the login exchange
//!   ([`connect`]), with errors that name `host:port`;
//! - reading: whole frames into reused buffers ([`frame_reader`],
//!   [`body_pool`]), parsed into responses ([`replies`]);
//! - matching: client handles ([`handles`]) and whom a reply is for
//!   ([`reply_to`]);
//! - the traffic dump ([`dump`]) and the poison-ignoring lock ([`lock`]);
//! - the [`FastSerializer`](crate::FastSerializer)'s one-caller connection
//!   ([`session`]);
//! - the [`Client`](crate::Client)'s shared, pipelined connection
//!   ([`shared`]) with its calls in flight ([`pending`], [`oneshot`]), its
//!   write queue ([`outbox`]) and the wait for room ([`gate`]);
//! - the byte stream under both, plain TCP or TLS ([`stream`], `tls`).

pub(crate) mod body_pool;
pub(crate) mod connect;
pub(crate) mod dump;
pub(crate) mod frame_reader;
pub(crate) mod gate;
pub(crate) mod handles;
pub(crate) mod lock;
pub(crate) mod oneshot;
pub(crate) mod outbox;
pub(crate) mod pending;
pub(crate) mod read_error;
pub(crate) mod replies;
pub(crate) mod reply_to;
pub(crate) mod session;
pub(crate) mod shared;
pub(crate) mod stream;
#[cfg(feature = "tls")]
pub(crate) mod tls;

pub(crate) use connect::ConnectOptions;
pub(crate) use dump::Dump;
pub(crate) use frame_reader::FrameReader;
pub(crate) use gate::Gate;
pub(crate) use handles::Handles;
pub(crate) use lock::lock;
#[cfg(feature = "test-server")]
pub(crate) use lock::{read, write};
pub(crate) use oneshot::Oneshot;
pub(crate) use outbox::{Sent, WriteMode};
pub(crate) use read_error::{ReadError, ReadTimeout};
pub(crate) use replies::{Replies, ReplyError};
pub(crate) use reply_to::ReplyTo;
pub(crate) use session::Session;
pub(crate) use shared::{micros_since, Connection, Death};
pub(crate) use stream::Stream;
#[cfg(feature = "tls")]
pub use tls::TlsConfig;
