//! The calls in flight on a shared connection, by client handle.

use std::collections::HashMap;
use std::sync::Arc;

use super::oneshot::Oneshot;

/// The completion slots of the calls waiting for a reply on one connection.
/// Whoever takes a call's slot out of the map (the reader on its reply, the
/// caller giving up, or the connection failing) completes it, so every call
/// ends exactly once.
#[derive(Default)]
pub(crate) struct PendingMap {
    map: HashMap<i64, Arc<Oneshot>>,
    closed: bool,
}

impl PendingMap {
    /// Adds a call; false once the map is closed (the connection failed).
    pub(crate) fn insert(&mut self, handle: i64, slot: Arc<Oneshot>) -> bool {
        if self.closed {
            return false;
        }
        self.map.insert(handle, slot);
        true
    }

    /// Takes the call waiting under `handle`, if any.
    pub(crate) fn take(&mut self, handle: i64) -> Option<Arc<Oneshot>> {
        self.map.remove(&handle)
    }

    /// Closes the map and takes every call still waiting.
    pub(crate) fn close(&mut self) -> Vec<Arc<Oneshot>> {
        self.closed = true;
        self.map.drain().map(|(_, s)| s).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_is_taken_once_and_nothing_joins_after_close() {
        let mut p = PendingMap::default();
        assert!(p.insert(1, Arc::default()));
        assert!(p.insert(2, Arc::default()));
        assert!(p.take(1).is_some());
        assert!(p.take(1).is_none());
        assert_eq!(p.close().len(), 1);
        assert!(!p.insert(3, Arc::default()));
        assert!(p.take(2).is_none());
    }
}
