//! Which connection a call goes to: the plan from its route, then the pick
//! of a connection with a free place.

use std::ops::Range;
use std::sync::Arc;

use super::super::connection::Connection;
use super::super::nodes::Slot;
use super::super::stats::Placed;
use super::{Route, Unrouted};

/// Where a call should go and how to count it.
pub(crate) struct Plan {
    /// The slots of the preferred node.
    pub(crate) target: Option<Range<usize>>,
    /// How the call counts when it is sent to the preferred node (or
    /// anywhere when there is none).
    pub(crate) placed: Placed,
}

/// Result of choosing a connection for a call.
pub(crate) enum Pick {
    /// A connection, with a place reserved for the call.
    Got(Arc<Connection>),
    /// Connections are up but all are at `max_in_flight`.
    Full,
    /// No connection is up.
    NoneUp,
}

/// How to place a call routed to `route` (client affinity): the preferred
/// node's slots, found with `node_slots` (a host id's slots, if it is one
/// of the client's nodes), and how the call counts.
pub(crate) fn plan(
    route: Route,
    procedure: &str,
    node_slots: impl Fn(i32) -> Option<Range<usize>>,
) -> Plan {
    let (target, placed) = match route {
        Route::Partition {
            leader: Some(h), ..
        } => match node_slots(h) {
            Some(r) => (Some(r), Placed::Hit),
            None => (None, Placed::Fallback),
        },
        Route::Partition { leader: None, .. } => (None, Placed::Fallback),
        Route::MultiPartition { leader } => (leader.and_then(node_slots), Placed::MultiPartition),
        Route::Any(Unrouted::Unhashable) => (None, Placed::Fallback),
        Route::Any(Unrouted::NoTopology) if !procedure.starts_with('@') => (None, Placed::Fallback),
        Route::Any(_) => (None, Placed::RoundRobin),
    };
    Plan { target, placed }
}

/// Chooses a healthy connection with a free place, round-robin, trying
/// the slots in `preferred` (a node's slots, for client affinity) first,
/// starting at `start`: reserves a place on the connection it returns.
pub(crate) fn pick(
    slots: &[Arc<Slot>],
    start: usize,
    preferred: Option<&Range<usize>>,
    max_in_flight: usize,
) -> Pick {
    let n = slots.len();
    let mut any_up = false;
    let mut try_slot = |s: &Slot| {
        if let Some(c) = s.current() {
            any_up = true;
            if c.try_reserve(max_in_flight) {
                return Some(c);
            }
        }
        None
    };
    if let Some(r) = preferred {
        let len = r.len();
        for k in 0..len {
            if let Some(s) = slots.get(r.start + (start + k) % len) {
                if let Some(c) = try_slot(s) {
                    return Pick::Got(c);
                }
            }
        }
    }
    for k in 0..n {
        let i = (start + k) % n;
        if preferred.is_some_and(|r| r.contains(&i)) {
            continue;
        }
        if let Some(c) = try_slot(&slots[i]) {
            return Pick::Got(c);
        }
    }
    if any_up {
        Pick::Full
    } else {
        Pick::NoneUp
    }
}
