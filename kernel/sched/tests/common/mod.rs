//! Test Gs shared by the host tests: a G is an id plus its `schedlink`.
#![allow(dead_code)]

use gmp_sched::SchedLink;
use std::ptr::NonNull;
use std::sync::atomic::AtomicPtr;

/// A stand-in for the kernel's G: what the queues need (the link) plus an
/// id the tests check identities with.
pub struct G {
    pub id: u32,
    schedlink: AtomicPtr<G>,
}

// SAFETY: `schedlink` always returns the same field, used only by the lists.
unsafe impl SchedLink for G {
    fn schedlink(&self) -> &AtomicPtr<G> {
        &self.schedlink
    }
}

/// `n` Gs with ids `0..n`, at stable addresses for the whole test.
pub fn make_gs(n: usize) -> Box<[G]> {
    (0..n)
        .map(|i| G {
            id: i as u32,
            schedlink: AtomicPtr::new(std::ptr::null_mut()),
        })
        .collect()
}

/// A queue handle for `g`.
pub fn gptr(g: &G) -> NonNull<G> {
    NonNull::from(g)
}

/// The id of a queued G.
pub fn id(g: NonNull<G>) -> u32 {
    // SAFETY: every G in the tests lives in a `make_gs` box that outlives
    // the queues holding it.
    unsafe { g.as_ref() }.id
}

/// The ids of a GQueue, head first.
pub fn queue_ids(q: &gmp_sched::GQueue<G>) -> Vec<u32> {
    q.iter().map(id).collect()
}

/// The ids of a local run queue: (runnext, ring head to tail).
pub fn runq_ids<const N: usize>(q: &gmp_sched::LocalRunQueue<G, N>) -> (Option<u32>, Vec<u32>) {
    let mut next = None;
    let mut ring = Vec::new();
    q.visit(|g, is_next| {
        if is_next {
            next = Some(id(g))
        } else {
            ring.push(id(g))
        }
    });
    (next, ring)
}
