//! Client affinity: which partition a call belongs to and so which node
//! should get it. Pure functions and plain data, no I/O and no locks:
//!
//! * [`murmur3_token`] is VoltDB's hash (MurmurHash3 x64-128, seed 0, upper
//!   32 bits of the first output word);
//! * [`hash_token`] turns a partition parameter ([`HashKey`]) into the token
//!   the server computes for it, with the server's coercions;
//! * [`HashRing`] is the elastic hash ring from `@Statistics TOPO` and maps
//!   tokens to partition ids;
//! * [`route`] applies the routing rules to a
//!   [`Topology`](super::topology::Topology).
//!
//! Routing is an optimisation only: any node accepts any call and forwards
//! it to the partition's leader. A call the client cannot place, or whose
//! leader has no usable connection, is sent to any healthy connection; it
//! is never failed or delayed because of routing.
//!
//! ```
//! use voltdb::client::routing::{HashKey, HashRing};
//! use voltdb::VoltType;
//! let ring = HashRing::uniform(4, 16);
//! assert_eq!(ring.partition_for(VoltType::BigInt, HashKey::Int(42)), 3);
//! assert_eq!(ring.partition_for(VoltType::BigInt, HashKey::Null), 0);
//! ```

mod hash;
mod plan;
mod ring;
mod route;

pub use hash::{hash_token, murmur3_token, HashKey};
pub(crate) use plan::{pick, plan, Pick, Plan};
pub use ring::HashRing;
pub use route::{route, Route, Unrouted};

/// The partition id of the multi-partition initiator in `@Statistics TOPO`
/// table 0. Multi-partition procedures are routed to its leader.
///
/// ```
/// assert_eq!(voltdb::client::routing::MP_INIT_PID, 16383);
/// ```
pub const MP_INIT_PID: i32 = 16383;
