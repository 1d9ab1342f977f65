//! Waiting for other Gs without blocking primitives: yield until a counter
//! reaches a target. (Channels and WaitGroup replace this where available;
//! the yield loop stays useful because it exercises `gosched` itself.)

use crate::prelude::*;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Yield until `counter` reaches `target`.
pub fn until_count(counter: &AtomicUsize, target: usize) {
    while counter.load(Ordering::Acquire) < target {
        gosched();
    }
}
