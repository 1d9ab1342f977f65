//! `procresize`'s hand-over with exact counts: when Ps are destroyed,
//! every runnable G lands on exactly one queue, in Go's order, every dead G
//! on the global free list, every timer on the surviving P.

mod common;

use common::{G, gptr, id, make_gs, queue_ids};
use gmp_sched::procresize::{DyingP, Heirs, Moved, destroy, plan};
use gmp_sched::timerheap::TimerHeap;
use gmp_sched::{GlobalGFree, GlobalRunQueue, LocalGFree, LocalRunQueue};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// One P of the model: its run queue, free list and timers.
struct TestP {
    runq: LocalRunQueue<G, 16>,
    gfree: LocalGFree<G>,
    timers: TimerHeap<u32>,
}

fn new_p() -> TestP {
    TestP {
        runq: LocalRunQueue::new(),
        gfree: LocalGFree::new(),
        timers: TimerHeap::new(),
    }
}

/// Destroys P `i` of `ps` into the heirs (single-threaded: the test owns
/// every queue).
fn destroy_p(
    ps: &mut [TestP],
    i: usize,
    heir: usize,
    global: &mut GlobalRunQueue<G>,
    gfree: &mut GlobalGFree<G>,
) -> Moved {
    let (lo, hi) = ps.split_at_mut(i.max(heir));
    let (dying, survivor) = if i > heir {
        (&mut hi[0], &mut lo[heir])
    } else {
        (&mut lo[i], &mut hi[0])
    };
    // SAFETY: single-threaded: this thread owns every queue.
    unsafe {
        destroy(
            DyingP {
                runq: &dying.runq,
                gfree: &mut dying.gfree,
                timers: &mut dying.timers,
            },
            Heirs {
                global,
                gfree,
                timers: &mut survivor.timers,
            },
        )
    }
}

#[test]
fn the_plan_creates_and_destroys_the_right_ps() {
    let p = plan(4, 1, 2);
    assert_eq!((p.created, p.destroyed, p.caller_p), (1..1, 1..4, 0));
    let p = plan(1, 8, 0);
    assert_eq!((p.created, p.destroyed, p.caller_p), (1..8, 1..1, 0));
    let p = plan(8, 2, 1);
    assert_eq!((p.created, p.destroyed, p.caller_p), (2..2, 2..8, 1));
    let p = plan(4, 4, 3);
    assert!(p.created.is_empty() && p.destroyed.is_empty());
    assert_eq!(p.caller_p, 3);
}

#[test]
fn a_destroyed_ps_gs_go_to_the_head_of_the_global_queue_runnext_first() {
    let gs = make_gs(20);
    let mut ps: Vec<TestP> = (0..2).map(|_| new_p()).collect();
    let mut global = GlobalRunQueue::new();
    let mut gfree = GlobalGFree::new();
    // Already queued globally: G19.
    // SAFETY: single-threaded test; each G is on one list at a time.
    unsafe { global.globrunqput(gptr(&gs[19])) };
    // P1: ring 0,1,2, runnext 3; free list 10,11; timers at 5 and 7.
    // SAFETY: as above.
    unsafe {
        for g in &gs[0..3] {
            assert!(ps[1].runq.runqput(gptr(g), false).is_none());
        }
        assert!(ps[1].runq.runqput(gptr(&gs[3]), true).is_none());
        ps[1]
            .gfree
            .gfput(gptr(&gs[10]), || -> &mut GlobalGFree<G> { unreachable!() });
        ps[1]
            .gfree
            .gfput(gptr(&gs[11]), || -> &mut GlobalGFree<G> { unreachable!() });
    }
    ps[1].timers.add(5, 105);
    ps[1].timers.add(7, 107);
    let moved = destroy_p(&mut ps, 1, 0, &mut global, &mut gfree);
    assert_eq!(
        moved,
        Moved {
            runnable: 4,
            dead: 2,
            timers: 2
        }
    );
    assert_eq!(global.iter().map(id).collect::<Vec<_>>(), [3, 0, 1, 2, 19]);
    assert_eq!(gfree.iter().map(id).collect::<Vec<_>>().len(), 2);
    assert!(ps[1].runq.runqempty() && ps[1].gfree.is_empty() && ps[1].timers.is_empty());
    assert_eq!(ps[0].timers.pop_expired(10), Some((5, 105)));
    assert_eq!(ps[0].timers.pop_expired(10), Some((7, 107)));
}

#[derive(Debug, Clone)]
struct Setup {
    old: u32,
    new: u32,
    current: u32,
    /// Per P: runnable Gs in the ring, whether one is in runnext, dead Gs,
    /// timers.
    ps: Vec<(u8, bool, u8, u8)>,
    global: u8,
}

fn setup() -> impl Strategy<Value = Setup> {
    (1u32..=8, 1u32..=8).prop_flat_map(|(old, new)| {
        (
            Just(old),
            Just(new),
            0..old,
            proptest::collection::vec((0u8..=16, any::<bool>(), 0u8..6, 0u8..4), old as usize),
            0u8..5,
        )
            .prop_map(|(old, new, current, ps, global)| Setup {
                old,
                new,
                current,
                ps,
                global,
            })
    })
}

proptest! {
    #![proptest_config(Config {
        cases: 512,
        rng_seed: RngSeed::Fixed(0x9e50_1ce5),
        failure_persistence: None,
        ..Config::default()
    })]

    /// Any resize: every runnable G ends on exactly one queue (a surviving
    /// P's, or the global queue, where the destroyed Ps' Gs come first, in
    /// Go's order), every dead G on exactly one free list, every timer on
    /// exactly one surviving P; nothing is left on a destroyed P.
    #[test]
    fn every_g_and_timer_lands_exactly_once(s in setup()) {
        let gs = make_gs(600);
        let mut next = 0usize;
        let mut take = || { next += 1; &gs[next - 1] };
        let mut ps: Vec<TestP> = (0..s.old).map(|_| new_p()).collect();
        let mut global = GlobalRunQueue::new();
        let mut gfree = GlobalGFree::new();
        let mut runnable = Vec::new();
        let mut dead = Vec::new();
        let mut timers = 0usize;
        let mut expected_head: Vec<u32> = Vec::new();
        for (i, &(ring, has_next, ndead, ntimers)) in s.ps.iter().enumerate() {
            let mut this_p = Vec::new();
            // SAFETY: single-threaded test; every G on one list at a time.
            unsafe {
                for _ in 0..ring {
                    let g = take();
                    assert!(ps[i].runq.runqput(gptr(g), false).is_none());
                    this_p.push(g.id);
                }
                if has_next {
                    let g = take();
                    assert!(ps[i].runq.runqput(gptr(g), true).is_none());
                    this_p.insert(0, g.id);
                }
                for _ in 0..ndead {
                    let g = take();
                    ps[i].gfree.gfput(gptr(g), || &mut gfree);
                    dead.push(g.id);
                }
            }
            for t in 0..ntimers {
                ps[i].timers.add(u64::from(t) + 1, i as u32);
                timers += 1;
            }
            runnable.extend(this_p.iter().copied());
            if (i as u32) >= s.new {
                // Destroyed in increasing order, each batch at the head.
                let mut head = this_p;
                head.extend(expected_head);
                expected_head = head;
            }
        }
        let mut global_before = Vec::new();
        for _ in 0..s.global {
            let g = take();
            // SAFETY: as above.
            unsafe { global.globrunqput(gptr(g)) };
            runnable.push(g.id);
            global_before.push(g.id);
        }
        let p = plan(s.old, s.new, s.current);
        let heir = p.caller_p as usize;
        for i in p.destroyed.clone() {
            destroy_p(&mut ps, i as usize, heir, &mut global, &mut gfree);
        }
        // Runnable: exactly once across the survivors and the global queue.
        let mut seen: Vec<u32> = global.iter().map(id).collect();
        expected_head.extend(global_before);
        prop_assert_eq!(&seen, &expected_head);
        for pp in &ps[..s.new.min(s.old) as usize] {
            let (n, ring) = common::runq_ids(&pp.runq);
            seen.extend(n);
            seen.extend(ring);
        }
        seen.sort_unstable();
        runnable.sort_unstable();
        prop_assert_eq!(seen, runnable);
        // Dead: exactly once across the survivors' lists and the global one.
        let mut seen_dead: Vec<u32> = gfree.iter().map(id).collect();
        for pp in &ps[..s.new.min(s.old) as usize] {
            seen_dead.extend(pp.gfree.iter().map(id));
        }
        seen_dead.sort_unstable();
        dead.sort_unstable();
        prop_assert_eq!(seen_dead, dead);
        // Timers: all on survivors; destroyed Ps hold nothing.
        let on_survivors: usize = ps[..s.new.min(s.old) as usize].iter().map(|p| p.timers.len()).sum();
        prop_assert_eq!(on_survivors, timers);
        for pp in &ps[s.new.min(s.old) as usize..] {
            prop_assert!(pp.runq.runqempty() && pp.gfree.is_empty() && pp.timers.is_empty());
        }
        let _ = queue_ids;
    }
}
