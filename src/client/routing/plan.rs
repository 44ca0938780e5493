//! Which connection a call goes to: the plan from its route, then the pick
//! of a connection with a free place.

use std::ops::Range;
use std::sync::Arc;

use super::super::slot::Slot;
use super::super::stats::Placed;
use super::{Route, Unrouted};
use crate::connection::Connection;

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Host 7 is the client's node with slots 2..4; no other host is.
    fn node_slots(host: i32) -> Option<Range<usize>> {
        (host == 7).then_some(2..4)
    }

    fn placed(route: Route, procedure: &str) -> (Option<Range<usize>>, Placed) {
        let p = plan(route, procedure, node_slots);
        (p.target, p.placed)
    }

    #[test]
    fn plan_per_route() {
        let part = |leader| Route::Partition {
            partition: 1,
            leader,
        };
        assert_eq!(placed(part(Some(7)), "Sp"), (Some(2..4), Placed::Hit));
        assert_eq!(placed(part(Some(8)), "Sp"), (None, Placed::Fallback));
        assert_eq!(placed(part(None), "Sp"), (None, Placed::Fallback));
        assert_eq!(
            placed(Route::MultiPartition { leader: Some(7) }, "Mp"),
            (Some(2..4), Placed::MultiPartition)
        );
        assert_eq!(
            placed(Route::MultiPartition { leader: None }, "Mp"),
            (None, Placed::MultiPartition)
        );
        assert_eq!(
            placed(Route::Any(Unrouted::Unhashable), "Sp"),
            (None, Placed::Fallback)
        );
        // No topology yet: a user procedure might have been single-partition.
        assert_eq!(
            placed(Route::Any(Unrouted::NoTopology), "Sp"),
            (None, Placed::Fallback)
        );
        assert_eq!(
            placed(Route::Any(Unrouted::NoTopology), "@Ping"),
            (None, Placed::RoundRobin)
        );
        assert_eq!(
            placed(Route::Any(Unrouted::Compound), "Comp"),
            (None, Placed::RoundRobin)
        );
    }

    #[test]
    fn pick_without_slots_finds_none_up() {
        assert!(matches!(pick(&[], 0, None, 10), Pick::NoneUp));
        assert!(matches!(pick(&[], 3, Some(&(0..2)), 10), Pick::NoneUp));
        // Slots still connecting or down have no connection to reserve.
        use super::super::super::slot::Conn;
        let down = |i| {
            let conn = if i % 2 == 0 {
                Conn::Connecting
            } else {
                Conn::Down {
                    next: None,
                    failures: 1,
                }
            };
            Arc::new(Slot::new(i, 0, "h", 1, conn))
        };
        let slots: Vec<Arc<Slot>> = (0..3).map(down).collect();
        assert!(matches!(pick(&slots, 1, Some(&(0..2)), 10), Pick::NoneUp));
        assert!(matches!(pick(&slots, 5, None, 10), Pick::NoneUp));
    }
}
