//! Exact counts of the run-queue operations a scheduling policy adds
//! (`gmp_sched::policy`): a capped local ring and steals of at most `max`.

mod common;

use common::{G, gptr, id, make_gs, queue_ids, runq_ids};
use gmp_sched::LocalRunQueue;

type Q = LocalRunQueue<G, 256>;

/// With a cap of 32, the 33rd put spills 16 from the head plus the new G,
/// in order; the ring keeps the rest; across the u32 wrap too.
#[test]
fn a_capped_ring_spills_half_its_cap_plus_one_in_order() {
    let gs = make_gs(40);
    for q in [Q::new(), Q::new_at(u32::MAX - 20)] {
        for g in &gs[..32] {
            // SAFETY: the Gs outlive the queue; each is on no other queue.
            assert!(unsafe { q.runqput_capped(gptr(g), 32) }.is_none());
        }
        assert_eq!(q.runqlen(), 32);
        // SAFETY: as above.
        let batch = unsafe { q.runqput_capped(gptr(&gs[32]), 32) }.expect("33rd put spills");
        let mut want: Vec<u32> = (0..16).collect();
        want.push(32);
        assert_eq!(queue_ids(&batch), want);
        assert_eq!(runq_ids(&q), (None, (16..32).collect()));
        // Below the cap again: plain puts.
        // SAFETY: as above.
        assert!(unsafe { q.runqput_capped(gptr(&gs[33]), 32) }.is_none());
        assert_eq!(q.runqlen(), 17);
    }
}

/// A cap of 256 behaves exactly as `runqput`: the 257th spills 128 + 1.
#[test]
fn a_cap_of_the_full_ring_is_runqput() {
    let gs = make_gs(257);
    let q = Q::new();
    for g in &gs[..256] {
        // SAFETY: as above.
        assert!(unsafe { q.runqput_capped(gptr(g), 256) }.is_none());
    }
    // SAFETY: as above.
    let batch = unsafe { q.runqput_capped(gptr(&gs[256]), 256) }.expect("257th spills");
    assert_eq!(batch.len(), 129);
}

/// Stealing at most one takes exactly the victim's head G, for every ring
/// length, and never `runnext` while the ring has Gs.
#[test]
fn steal_at_most_one_takes_the_head_only() {
    let gs = make_gs(64);
    for n in 1..=40usize {
        let (victim, thief) = (Q::new(), Q::new());
        for g in &gs[..n] {
            // SAFETY: as above.
            assert!(unsafe { victim.runqput(gptr(g), false) }.is_none());
        }
        // SAFETY: the thief's owner is this thread; the victim needs nothing.
        let (g, k, from_next) = unsafe { thief.runqsteal_at_most(&victim, true, 1, || {}) }
            .expect("a non-empty ring gives one");
        assert_eq!((id(g), k, from_next), (0, 1, false), "n={n}");
        assert_eq!(victim.runqlen(), n as u32 - 1);
        assert!(
            thief.runqempty(),
            "the one stolen G is returned, not queued"
        );
    }
}

/// With `max` above half, the half rule still bounds the take.
#[test]
fn steal_at_most_many_is_still_half() {
    let gs = make_gs(10);
    let (victim, thief) = (Q::new(), Q::new());
    for g in gs.iter() {
        // SAFETY: as above.
        assert!(unsafe { victim.runqput(gptr(g), false) }.is_none());
    }
    // SAFETY: as above.
    let (_, k, _) = unsafe { thief.runqsteal_at_most(&victim, false, 8, || {}) }.unwrap();
    assert_eq!(k, 5);
    let thief2 = Q::new();
    // SAFETY: as above.
    let (_, k, _) = unsafe { thief2.runqsteal_at_most(&victim, false, 2, || {}) }.unwrap();
    assert_eq!(k, 2, "max below half bounds it");
    assert_eq!(victim.runqlen(), 3);
}
