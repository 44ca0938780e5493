//! Reuse of response body buffers.

use std::collections::VecDeque;
use std::sync::Arc;

/// Response body buffers kept for reuse. A response's tables share its body
/// (an `Arc`), so a buffer can be read into again once every response
/// holding it has been dropped. The pool keeps the `slots` most recent
/// buffers of at most `max_capacity` bytes each, oldest first (replies are
/// mostly dropped in the order they arrived).
pub(crate) struct BodyPool {
    spares: VecDeque<Arc<Vec<u8>>>,
    slots: usize,
    max_capacity: usize,
}

impl BodyPool {
    pub(crate) fn new(slots: usize, max_capacity: usize) -> BodyPool {
        BodyPool {
            spares: VecDeque::with_capacity(slots),
            slots,
            max_capacity,
        }
    }

    /// A buffer nobody else holds, to read the next body into (with
    /// `Arc::make_mut`, which then never clones): the oldest one kept if no
    /// response holds it any more (a held one is forgotten), else a new one.
    pub(crate) fn take(&mut self) -> Arc<Vec<u8>> {
        match self.spares.pop_front() {
            Some(b) if Arc::strong_count(&b) == 1 && Arc::weak_count(&b) == 0 => b,
            _ => Arc::new(Vec::new()),
        }
    }

    /// Keeps `buf`, about to be held by a response, for a later `take`.
    #[inline] // inlined into the reply loop, as `take` is: no call per reply
    pub(crate) fn keep(&mut self, buf: &Arc<Vec<u8>>) {
        if self.slots == 0 || buf.capacity() > self.max_capacity {
            return;
        }
        if self.spares.len() >= self.slots {
            self.spares.pop_front();
        }
        self.spares.push_back(Arc::clone(buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_pool_reuses_only_buffers_no_response_holds() {
        let mut pool = BodyPool::new(2, 1024);
        let a = pool.take();
        pool.keep(&a);
        let held = Arc::clone(&a);
        drop(a);
        // Still held: a new buffer, and the held one is forgotten.
        let b = pool.take();
        assert!(!Arc::ptr_eq(&b, &held));
        pool.keep(&b);
        drop(b);
        let mut c = pool.take();
        assert!(Arc::get_mut(&mut c).is_some(), "unique: reused");
        assert!(pool.spares.is_empty());
        // At most `slots` kept, the newest; oversized buffers are not.
        for _ in 0..3 {
            pool.keep(&Arc::new(Vec::new()));
        }
        assert_eq!(pool.spares.len(), 2);
        let mut pool = BodyPool::new(4, 16);
        pool.keep(&Arc::new(Vec::with_capacity(17)));
        assert!(pool.spares.is_empty());
        drop(held);
    }
}
