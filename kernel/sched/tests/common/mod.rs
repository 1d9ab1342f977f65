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

// Owner-only calls for single-threaded tests, where the test thread is the
// only thread and so the owner of every queue (the owner rule of runq.rs).

pub fn get<const N: usize>(q: &gmp_sched::LocalRunQueue<G, N>) -> Option<(NonNull<G>, bool)> {
    // SAFETY: single-threaded test: this thread owns every queue.
    unsafe { q.runqget() }
}

pub fn steal<const N: usize>(
    thief: &gmp_sched::LocalRunQueue<G, N>,
    victim: &gmp_sched::LocalRunQueue<G, N>,
    steal_runnext: bool,
    pause: impl FnMut(),
) -> Option<(NonNull<G>, u32)> {
    // SAFETY: single-threaded test: this thread owns every queue.
    unsafe { thief.runqsteal(victim, steal_runnext, pause) }
}

pub fn drain<const N: usize>(q: &gmp_sched::LocalRunQueue<G, N>) -> gmp_sched::GQueue<G> {
    // SAFETY: single-threaded test: this thread owns every queue.
    unsafe { q.runqdrain() }
}

pub fn putbatch<const N: usize>(
    q: &gmp_sched::LocalRunQueue<G, N>,
    batch: &mut gmp_sched::GQueue<G>,
) {
    // SAFETY: single-threaded test: this thread owns every queue.
    unsafe { q.runqputbatch(batch) }
}

pub fn globget<const N: usize>(
    glob: &mut gmp_sched::GlobalRunQueue<G>,
    local: &gmp_sched::LocalRunQueue<G, N>,
    max: u32,
    gomaxprocs: u32,
) -> Option<NonNull<G>> {
    // SAFETY: single-threaded test: this thread owns every queue.
    unsafe { glob.globrunqget(local, max, gomaxprocs) }
}
