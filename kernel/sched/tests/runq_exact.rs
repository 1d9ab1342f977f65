//! Exact-count tests of the local run queue, ported from Go's
//! `RunSchedLocalQueueTest` / `RunSchedLocalQueueStealTest` (export_test.go)
//! and extended: every count 0..=256, identities, runnext, overflow.

mod common;

use common::{G, gptr, id, make_gs, queue_ids, runq_ids};
use gmp_sched::{GQueue, LocalRunQueue};
use std::cell::Cell;

type Q = LocalRunQueue<G, 256>;

fn put(q: &Q, g: &G, next: bool) -> Option<GQueue<G>> {
    // SAFETY: the Gs live in a `make_gs` box that outlives the queue.
    unsafe { q.runqput(gptr(g), next) }
}

/// Go's RunSchedLocalQueueTest, for every n in 0..=256, on one queue reused
/// across iterations (so head/tail keep moving) and on one whose counters
/// start just below the u32 wrap.
#[test]
fn put_then_get_every_count_in_order() {
    let gs = make_gs(256);
    for q in [Q::new(), Q::new_at(u32::MAX - 300)] {
        for n in 0..=256usize {
            assert!(
                common::get(&q).is_none(),
                "runq is not empty initially (n={n})"
            );
            assert!(q.runqempty());
            assert_eq!(q.runqlen(), 0);
            for (j, g) in gs[..n].iter().enumerate() {
                assert!(
                    put(&q, g, false).is_none(),
                    "overflow before full (n={n}, j={j})"
                );
                assert_eq!(q.runqlen(), j as u32 + 1);
                assert_eq!(q.ring_len(), j as u32 + 1);
                assert!(!q.runqempty());
            }
            for j in 0..n {
                let (g, inherit) = common::get(&q).expect("runq ran dry");
                assert_eq!(id(g), j as u32, "bad element at iter {n}/{j}");
                assert!(!inherit, "a ring G must not inherit the time slice");
                assert_eq!(q.runqlen(), (n - j - 1) as u32);
                assert_eq!(q.runqempty(), j + 1 == n);
            }
            assert!(
                common::get(&q).is_none(),
                "runq is not empty afterwards (n={n})"
            );
            assert!(q.runqempty());
        }
    }
}

#[test]
fn runnext_replaces_and_kicks_old_to_tail() {
    let gs = make_gs(4);
    let q = Q::new();
    assert!(put(&q, &gs[0], true).is_none());
    assert_eq!(runq_ids(&q), (Some(0), vec![]));
    assert!(!q.runqempty());
    assert_eq!((q.runqlen(), q.ring_len()), (1, 0));

    assert!(put(&q, &gs[1], false).is_none());
    assert!(put(&q, &gs[2], true).is_none()); // kicks G0 behind G1
    assert_eq!(runq_ids(&q), (Some(2), vec![1, 0]));
    assert_eq!((q.runqlen(), q.ring_len()), (3, 2));

    assert!(put(&q, &gs[3], true).is_none()); // kicks G2 behind G0
    assert_eq!(runq_ids(&q), (Some(3), vec![1, 0, 2]));

    let got: Vec<(u32, bool)> = std::iter::from_fn(|| common::get(&q))
        .map(|(g, i)| (id(g), i))
        .collect();
    assert_eq!(got, vec![(3, true), (1, false), (0, false), (2, false)]);
    assert!(q.runqempty());
}

/// Kicking the old runnext into a full ring overflows like any other put:
/// the kicked G is the last of the batch.
#[test]
fn runnext_kick_into_full_ring_overflows() {
    let gs = make_gs(258);
    let q = Q::new();
    for g in &gs[..256] {
        assert!(put(&q, g, false).is_none());
    }
    assert!(put(&q, &gs[256], true).is_none()); // runnext was empty
    let batch = put(&q, &gs[257], true).expect("kick into a full ring must overflow");
    let mut want: Vec<u32> = (0..128).collect();
    want.push(256);
    assert_eq!(queue_ids(&batch), want);
    assert_eq!(batch.len(), 129);
    let (next, ring) = runq_ids(&q);
    assert_eq!(next, Some(257));
    assert_eq!(ring, (128..256).collect::<Vec<_>>());
}

/// The 257th put returns exactly 129 Gs (128 from the head plus the new
/// one) in FIFO order; the ring keeps the other 128; nothing lost or
/// duplicated. Repeated on a queue whose counters cross the u32 wrap.
#[test]
fn overflow_moves_half_plus_one_in_order() {
    let gs = make_gs(257);
    for q in [Q::new(), Q::new_at(u32::MAX - 100)] {
        for g in &gs[..256] {
            assert!(put(&q, g, false).is_none());
        }
        assert_eq!(q.runqlen(), 256);
        let batch = put(&q, &gs[256], false).expect("257th put must overflow");
        assert_eq!(batch.len(), 129);
        let mut want: Vec<u32> = (0..128).collect();
        want.push(256);
        assert_eq!(queue_ids(&batch), want);
        assert_eq!(q.runqlen(), 128);
        assert_eq!(runq_ids(&q), (None, (128..256).collect()));

        let mut seen = vec![0u8; 257];
        for g in batch.iter() {
            seen[id(g) as usize] += 1;
        }
        while let Some((g, _)) = common::get(&q) {
            seen[id(g) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c == 1), "lost or duplicated: {seen:?}");
    }
}

/// Go's RunSchedLocalQueueStealTest, tightened: for every n in 0..=256 the
/// thief takes exactly ⌈n/2⌉ (Go accepts n/2 or n/2+1), the first ones in
/// order, returns the last grabbed, and every G is seen exactly once.
#[test]
fn steal_takes_half_rounded_up_every_count() {
    let gs = make_gs(256);
    let victim = Q::new();
    let thief = Q::new();
    for n in 0..=256u32 {
        for g in &gs[..n as usize] {
            assert!(put(&victim, g, false).is_none());
        }
        let pauses = Cell::new(0);
        let stolen = common::steal(&thief, &victim, true, || pauses.set(pauses.get() + 1));
        let want = n - n / 2;
        assert_eq!(pauses.get(), 0, "pause is only for stealing runnext");
        match stolen {
            None => assert_eq!(want, 0, "steal found nothing at n={n}"),
            Some((g, moved)) => {
                assert_eq!(moved, want, "bad steal at n={n}");
                assert_eq!(id(g), want - 1, "runqsteal returns the last grabbed G");
            }
        }
        assert_eq!(thief.runqlen(), want.saturating_sub(1));
        assert_eq!(victim.runqlen(), n - want);
        assert_eq!(
            runq_ids(&thief),
            (None, (0..want.saturating_sub(1)).collect())
        );
        assert_eq!(runq_ids(&victim), (None, (want..n).collect()));

        let mut seen = vec![0u8; n as usize];
        if let Some((g, _)) = stolen {
            seen[id(g) as usize] += 1;
        }
        for q in [&thief, &victim] {
            while let Some((g, _)) = common::get(q) {
                seen[id(g) as usize] += 1;
            }
        }
        assert!(
            seen.iter().all(|&c| c == 1),
            "bad element at n={n}: {seen:?}"
        );
    }
}

#[test]
fn steal_runnext_only_when_ring_empty_and_allowed() {
    let gs = make_gs(3);
    let victim = Q::new();
    let thief = Q::new();
    let pauses = Cell::new(0);
    let pause = || pauses.set(pauses.get() + 1);

    assert!(put(&victim, &gs[0], true).is_none());
    assert!(
        common::steal(&thief, &victim, false, pause).is_none(),
        "runnext stolen without permission"
    );
    assert_eq!(pauses.get(), 0);
    assert_eq!(victim.runqlen(), 1);

    // With a non-empty ring, runnext is not touched even when allowed.
    assert!(put(&victim, &gs[1], false).is_none());
    let (g, moved) = common::steal(&thief, &victim, true, pause).unwrap();
    assert_eq!((id(g), moved), (1, 1));
    assert_eq!(pauses.get(), 0);
    assert_eq!(runq_ids(&victim), (Some(0), vec![]));

    // Ring empty: runnext is taken, after exactly one pause.
    let (g, moved) = common::steal(&thief, &victim, true, pause).unwrap();
    assert_eq!((id(g), moved), (0, 1));
    assert_eq!(pauses.get(), 1);
    assert!(victim.runqempty());
    assert!(
        thief.runqempty(),
        "the stolen runnext is returned, not queued"
    );
}

#[test]
fn runqgrab_into_buffer() {
    let gs = make_gs(9);
    let q = Q::new();
    for g in &gs[..7] {
        assert!(put(&q, g, false).is_none());
    }
    assert!(put(&q, &gs[8], true).is_none());
    let mut batch = vec![None; 128];
    assert_eq!(
        q.runqgrab(&mut batch, true, || panic!(
            "no pause with a non-empty ring"
        )),
        4
    );
    let ids: Vec<u32> = batch[..4].iter().map(|g| id(g.unwrap())).collect();
    assert_eq!(ids, vec![0, 1, 2, 3]);
    assert!(batch[4].is_none());
    assert_eq!(runq_ids(&q), (Some(8), vec![4, 5, 6]));
}

#[test]
#[should_panic(expected = "runqgrab: batch shorter than N/2")]
fn runqgrab_rejects_short_buffer() {
    let q = Q::new();
    let mut batch = vec![None; 127];
    q.runqgrab(&mut batch, false, || {});
}

#[test]
#[should_panic(expected = "runqsteal: runq overflow")]
fn runqsteal_refuses_a_thief_without_room() {
    let gs = make_gs(129);
    let thief = Q::new();
    let victim = Q::new();
    for g in &gs {
        assert!(put(&thief, g, false).is_none());
    }
    common::steal(&thief, &victim, true, || {});
}

#[test]
fn runqdrain_takes_runnext_then_ring() {
    let gs = make_gs(6);
    let q = Q::new_at(u32::MAX - 2);
    for g in &gs[..5] {
        assert!(put(&q, g, false).is_none());
    }
    assert_eq!(common::get(&q).map(|(g, _)| id(g)), Some(0));
    assert!(put(&q, &gs[5], true).is_none());
    let drained = common::drain(&q);
    assert_eq!(queue_ids(&drained), vec![5, 1, 2, 3, 4]);
    assert_eq!(drained.len(), 5);
    assert!(q.runqempty());
    assert!(common::drain(&q).is_empty());
}

#[test]
fn runqputbatch_fills_ring_and_leaves_the_rest() {
    let gs = make_gs(300);
    let q = Q::new();
    let mut batch = GQueue::new();
    for g in gs.iter() {
        // SAFETY: the Gs outlive the queue.
        unsafe { batch.push_back(gptr(g)) };
    }
    common::putbatch(&q, &mut batch);
    assert_eq!(q.runqlen(), 256);
    assert_eq!(runq_ids(&q).1, (0..256).collect::<Vec<_>>());
    assert_eq!(queue_ids(&batch), (256..300).collect::<Vec<_>>());
    assert_eq!(batch.len(), 44);
}

/// Many overflows in a row (with consumption in between): every batch is
/// 129 Gs in FIFO order, and all Gs come out exactly once through the
/// ring, a batch, or runqget.
#[test]
fn repeated_overflow_loses_nothing() {
    const TOTAL: usize = 10_000;
    let gs = make_gs(TOTAL);
    let q = Q::new();
    let mut global = gmp_sched::GlobalRunQueue::new();
    let mut consumed = Vec::new();
    let mut batches = 0;
    for (i, g) in gs.iter().enumerate() {
        if let Some(batch) = put(&q, g, false) {
            batches += 1;
            assert_eq!(batch.len(), 129);
            let ids = queue_ids(&batch);
            assert!(
                ids.windows(2).all(|w| w[0] < w[1]),
                "batch not FIFO: {ids:?}"
            );
            assert_eq!(*ids.last().unwrap(), i as u32, "the new G ends the batch");
            global.globrunqputbatch(batch);
        }
        if i % 7 == 0 {
            consumed.extend(common::get(&q).map(|(g, _)| id(g)));
        }
    }
    assert!(
        batches > 40,
        "the test must overflow many times, did {batches}"
    );
    let mut seen = vec![0u32; TOTAL];
    for i in consumed {
        seen[i as usize] += 1;
    }
    while let Some((g, _)) = common::get(&q) {
        seen[id(g) as usize] += 1;
    }
    for g in global.iter() {
        seen[id(g) as usize] += 1;
    }
    assert!(seen.iter().all(|&c| c == 1), "lost or duplicated Gs");
}

/// `new` is a `const fn`: the kernel can keep its Ps' queues in statics.
static STATIC_Q: Q = Q::new();
static STATIC_GLOBAL: std::sync::Mutex<gmp_sched::GlobalRunQueue<G>> =
    std::sync::Mutex::new(gmp_sched::GlobalRunQueue::new());

#[test]
fn queues_can_be_statics() {
    let gs = make_gs(1);
    assert!(put(&STATIC_Q, &gs[0], false).is_none());
    let (g, _) = common::get(&STATIC_Q).unwrap();
    assert_eq!(id(g), 0);
    // SAFETY: `gs` outlives its stay on the queue (taken off just below).
    unsafe { STATIC_GLOBAL.lock().unwrap().globrunqput(g) };
    let back = common::globget(&mut STATIC_GLOBAL.lock().unwrap(), &STATIC_Q, 1, 1);
    assert_eq!(back.map(id), Some(0));
    assert!(STATIC_Q.runqempty() && STATIC_GLOBAL.lock().unwrap().is_empty());
}

/// The tracing variants report exactly what happened: which G a `runnext`
/// put kicked to the ring, and whether a steal took the victim's `runnext`.
#[test]
fn traced_variants_report_kicks_and_runnext_steals() {
    let gs = make_gs(8);
    let q = Q::new();
    // SAFETY: the Gs outlive the queues; each G is on one queue at a time.
    unsafe {
        let (ov, kicked) = q.runqput_kick(gptr(&gs[0]), true);
        assert!(
            ov.is_none() && kicked.is_none(),
            "an empty runnext kicks nothing"
        );
        let (_, kicked) = q.runqput_kick(gptr(&gs[1]), true);
        assert_eq!(kicked.map(id), Some(0), "G0 is kicked to the ring");
        let (_, kicked) = q.runqput_kick(gptr(&gs[2]), false);
        assert!(kicked.is_none(), "a tail put kicks nothing");
    }
    assert_eq!(
        runq_ids(&q),
        (Some(1), vec![0, 2]),
        "runnext G1; ring: the kicked G0, then G2"
    );

    let thief = Q::new();
    // SAFETY: as above; `thief` is ours.
    let (g, n, from_next) = unsafe { thief.runqsteal_runnext(&q, true, || {}) }.unwrap();
    assert!(
        !from_next && n == 1 && id(g) == 0,
        "ring first: half of 2 rounded up"
    );
    // SAFETY: as above.
    let (_, _, from_next) = unsafe { thief.runqsteal_runnext(&q, true, || {}) }.unwrap();
    assert!(!from_next, "G2 still in the ring");
    // SAFETY: as above.
    let (g, n, from_next) = unsafe { thief.runqsteal_runnext(&q, true, || {}) }.unwrap();
    assert!(from_next && n == 1 && id(g) == 1, "then runnext (G1)");
    // SAFETY: as above.
    let none = unsafe { thief.runqsteal_runnext(&q, true, || {}) };
    assert!(none.is_none());
}
