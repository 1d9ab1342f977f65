//! The intrusive G lists, the global run queue and the free-G lists, with
//! Go's exact counts and orders.

mod common;

use common::{G, gptr, id, make_gs, queue_ids, runq_ids};
use gmp_sched::gfree::{GFREE_KEEP_BELOW, GFREE_REFILL, GFREE_SPILL_AT};
use gmp_sched::{
    GList, GQueue, GlobalGFree, GlobalRunQueue, LocalGFree, LocalRunQueue, globrunqget_count,
};
use std::cell::Cell;

fn list_ids(l: &GList<G>) -> Vec<u32> {
    l.iter().map(id).collect()
}

#[test]
fn gqueue_push_pushback_pop_order() {
    let gs = make_gs(6);
    let mut q = GQueue::new();
    assert!(q.is_empty() && q.pop().is_none());
    assert_eq!(q.len(), 0);
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe {
        q.push_back(gptr(&gs[1]));
        q.push_back(gptr(&gs[2]));
        q.push(gptr(&gs[0]));
    }
    assert_eq!(queue_ids(&q), vec![0, 1, 2]);
    assert_eq!(
        (q.len(), q.head().map(id), q.tail().map(id)),
        (3, Some(0), Some(2))
    );

    let mut q2 = GQueue::new();
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe {
        q2.push_back(gptr(&gs[3]));
        q2.push_back(gptr(&gs[4]));
    }
    q.push_back_all(q2);
    q.push_back_all(GQueue::new()); // no-op
    assert_eq!(queue_ids(&q), vec![0, 1, 2, 3, 4]);
    assert_eq!(q.len(), 5);
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe { q.push_back(gptr(&gs[5])) };
    let popped: Vec<u32> = std::iter::from_fn(|| q.pop()).map(id).collect();
    assert_eq!(popped, vec![0, 1, 2, 3, 4, 5]);
    assert!(q.is_empty() && q.tail().is_none());
    assert_eq!(q.len(), 0);

    // An emptied queue is reusable: push after pop-to-empty.
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe { q.push(gptr(&gs[2])) };
    assert_eq!((queue_ids(&q), q.tail().map(id)), (vec![2], Some(2)));
}

#[test]
fn gqueue_push_back_all_into_empty() {
    let gs = make_gs(2);
    let mut q = GQueue::new();
    let mut q2 = GQueue::new();
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe {
        q2.push_back(gptr(&gs[0]));
        q2.push_back(gptr(&gs[1]));
    }
    q.push_back_all(q2);
    assert_eq!(
        (queue_ids(&q), q.len(), q.tail().map(id)),
        (vec![0, 1], 2, Some(1))
    );
}

#[test]
fn glist_is_lifo_and_push_all_prepends() {
    let gs = make_gs(5);
    let mut l = GList::new();
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe {
        l.push(gptr(&gs[0]));
        l.push(gptr(&gs[1]));
    }
    assert_eq!((list_ids(&l), l.len()), (vec![1, 0], 2));
    let mut q = GQueue::new();
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe {
        q.push_back(gptr(&gs[2]));
        q.push_back(gptr(&gs[3]));
    }
    l.push_all(q);
    l.push_all(GQueue::new()); // no-op
    assert_eq!((list_ids(&l), l.len()), (vec![2, 3, 1, 0], 4));
    let popped: Vec<u32> = std::iter::from_fn(|| l.pop()).map(id).collect();
    assert_eq!(popped, vec![2, 3, 1, 0]);
    assert!(l.is_empty());
    assert_eq!(l.len(), 0);

    let mut q = GQueue::new();
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe {
        q.push_back(gptr(&gs[4]));
        q.push_back(gptr(&gs[0]));
    }
    let l = q.pop_list();
    assert!(q.is_empty());
    assert_eq!((list_ids(&l), l.len()), (vec![4, 0], 2));
}

#[test]
fn globrunqget_count_is_gos_formula() {
    // (size, gomaxprocs, max) -> min(size, size/gomaxprocs + 1, max)
    let cases = [
        ((0, 4, 128), 0),
        ((1, 4, 128), 1),
        ((3, 4, 128), 1),
        ((4, 4, 128), 2),
        ((100, 4, 128), 26),
        ((10, 1, 128), 10),
        ((1000, 1, 128), 128),
        ((1000, 8, 128), 126),
        ((1000, 7, 128), 128),
        ((1000, 4, 1), 1),
        ((5, 1, 0), 0),
    ];
    for ((size, procs, max), want) in cases {
        assert_eq!(
            globrunqget_count(size, procs, max),
            want,
            "size={size} gomaxprocs={procs} max={max}"
        );
    }
}

#[test]
#[should_panic(expected = "gomaxprocs is 0")]
fn globrunqget_count_rejects_zero_procs() {
    globrunqget_count(1, 0, 1);
}

fn global_with(gs: &[G]) -> GlobalRunQueue<G> {
    let mut g = GlobalRunQueue::new();
    for x in gs {
        // SAFETY: the Gs outlive the queue.
        unsafe { g.globrunqput(gptr(x)) };
    }
    g
}

fn global_ids(g: &GlobalRunQueue<G>) -> Vec<u32> {
    g.iter().map(id).collect()
}

#[test]
fn globrunqput_head_and_batch_order() {
    let gs = make_gs(6);
    let mut glob = global_with(&gs[1..3]);
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe { glob.globrunqputhead(gptr(&gs[0])) };
    let mut batch = GQueue::new();
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe {
        batch.push_back(gptr(&gs[3]));
        batch.push_back(gptr(&gs[4]));
    }
    glob.globrunqputbatch(batch);
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe { glob.globrunqput(gptr(&gs[5])) };
    assert_eq!(global_ids(&glob), vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(glob.len(), 6);
}

#[test]
fn globrunqget_takes_fair_share_into_local_ring() {
    let gs = make_gs(300);
    let mut glob = global_with(&gs);
    let local: LocalRunQueue<G> = LocalRunQueue::new();
    // min(300, 300/2 + 1 = 151, max 128) = 128: one to run, 127 to the ring.
    let g = common::globget(&mut glob, &local, 128, 2).unwrap();
    assert_eq!(id(g), 0);
    assert_eq!(runq_ids(&local), (None, (1..128).collect()));
    assert_eq!(glob.len(), 172);
    assert_eq!(global_ids(&glob), (128..300).collect::<Vec<_>>());

    // The 1-in-61 check asks for one: nothing goes to the ring.
    let g = common::globget(&mut glob, &local, 1, 2).unwrap();
    assert_eq!((id(g), local.runqlen(), glob.len()), (128, 127, 171));

    // A big max is still capped at half the local ring.
    let empty_local: LocalRunQueue<G> = LocalRunQueue::new();
    common::globget(&mut glob, &empty_local, u32::MAX, 1).unwrap();
    assert_eq!((empty_local.runqlen(), glob.len()), (127, 43));

    let mut empty: GlobalRunQueue<G> = GlobalRunQueue::new();
    assert!(common::globget(&mut empty, &local, 128, 1).is_none());
}

#[test]
fn globrunqget_puts_back_what_does_not_fit() {
    let gs = make_gs(500);
    let local: LocalRunQueue<G> = LocalRunQueue::new();
    for g in &gs[300..500] {
        // SAFETY: the Gs outlive the queue.
        assert!(unsafe { local.runqput(gptr(g), false) }.is_none());
    }
    let mut glob = global_with(&gs[..300]);
    // Batch of 128: G0 runs, G1..G56 fill the ring (56 free slots),
    // G57..G127 go back to the head of the global queue, in order.
    let g = common::globget(&mut glob, &local, 128, 1).unwrap();
    assert_eq!(id(g), 0);
    assert_eq!(local.runqlen(), 256);
    let (_, ring) = runq_ids(&local);
    assert_eq!(ring[200..], (1..57).collect::<Vec<_>>());
    assert_eq!(global_ids(&glob), (57..300).collect::<Vec<_>>());
    assert_eq!(glob.len(), 243);
}

#[test]
fn globrunqgetbatch_links_the_rest_in_order() {
    let gs = make_gs(10);
    let mut glob = global_with(&gs);
    let (g, rest) = glob.globrunqgetbatch(4, 1).unwrap();
    assert_eq!((id(g), queue_ids(&rest), rest.len()), (0, vec![1, 2, 3], 3));
    assert_eq!(glob.len(), 6);
    assert!(glob.globrunqgetbatch(0, 1).is_none());
}

/// A stand-in for the kernel's lock around the global free list: counts
/// how often it is taken.
struct Locked<'a> {
    list: std::cell::RefCell<GlobalGFree<G>>,
    locks: &'a Cell<u32>,
}

impl Locked<'_> {
    fn lock(&self) -> std::cell::RefMut<'_, GlobalGFree<G>> {
        self.locks.set(self.locks.get() + 1);
        self.list.borrow_mut()
    }
}

fn gfree_ids(l: &LocalGFree<G>) -> Vec<u32> {
    l.iter().map(id).collect()
}

#[test]
fn gfree_constants_are_gos() {
    assert_eq!(
        (GFREE_SPILL_AT, GFREE_KEEP_BELOW, GFREE_REFILL),
        (64, 32, 32)
    );
}

/// gfput: the 64th put spills until fewer than 32 remain — Go's loop
/// `for size >= 32 { pop }` leaves exactly 31 and moves 33.
#[test]
fn gfput_spills_at_64_down_to_31() {
    let gs = make_gs(200);
    let locks = Cell::new(0);
    let global = Locked {
        list: Default::default(),
        locks: &locks,
    };
    let mut local = LocalGFree::new();
    for (i, g) in gs[..63].iter().enumerate() {
        // SAFETY: the Gs outlive the lists.
        unsafe { local.gfput(gptr(g), || global.lock()) };
        assert_eq!(local.len(), i as u32 + 1);
    }
    assert_eq!(locks.get(), 0, "no lock below 64");
    // SAFETY: the Gs live in `gs`, which outlives every list here.
    unsafe { local.gfput(gptr(&gs[63]), || global.lock()) };
    assert_eq!(locks.get(), 1);
    assert_eq!(local.len(), 31);
    assert_eq!(global.list.borrow().len(), 33);
    // The local list kept the oldest 31 (G30 on top); the most recent 33
    // moved, the last popped (G31) on top of the global list.
    assert_eq!(gfree_ids(&local), (0..31).rev().collect::<Vec<_>>());
    let gids: Vec<u32> = global.list.borrow().iter().map(id).collect();
    assert_eq!(gids, (31..64).collect::<Vec<_>>());

    // 33 more puts reach 64 again: another spill of 33.
    for g in &gs[64..97] {
        // SAFETY: the Gs live in `gs`, which outlives every list here.
        unsafe { local.gfput(gptr(g), || global.lock()) };
    }
    assert_eq!(
        (locks.get(), local.len(), global.list.borrow().len()),
        (2, 31, 66)
    );
}

/// gfget: an empty local list refills 32 from the global list (under one
/// lock), then returns the top.
#[test]
fn gfget_refills_32() {
    let gs = make_gs(100);
    let locks = Cell::new(0);
    let global = Locked {
        list: Default::default(),
        locks: &locks,
    };
    let mut spill = LocalGFree::new();
    for g in &gs[..64] {
        // SAFETY: the Gs live in `gs`, which outlives every list here.
        unsafe { spill.gfput(gptr(g), || global.lock()) };
    }
    assert_eq!(global.list.borrow().len(), 33); // G31..G63, G31 on top
    locks.set(0);

    let mut local = LocalGFree::new();
    let g = local.gfget(|| Some(global.lock())).unwrap();
    assert_eq!(locks.get(), 1);
    // 32 moved (G31..G62, each pushed on top), one of them returned: G62.
    assert_eq!(id(g), 62);
    assert_eq!(local.len(), 31);
    assert_eq!(global.list.borrow().len(), 1);
    // Further gets use the local list without the lock.
    for want in (31..62).rev() {
        assert_eq!(local.gfget(|| Some(global.lock())).map(id), Some(want));
    }
    assert_eq!(locks.get(), 1);
    // Empty again: the refill finds only G63.
    assert_eq!(local.gfget(|| Some(global.lock())).map(id), Some(63));
    assert_eq!(locks.get(), 2);
    // Nothing anywhere: None, and a closure may skip the lock.
    assert!(local.gfget(|| Some(global.lock())).is_none());
    assert!(
        local
            .gfget(|| None::<std::cell::RefMut<'_, GlobalGFree<G>>>)
            .is_none()
    );
    assert_eq!(locks.get(), 3);
}

#[test]
fn gfpurge_moves_everything() {
    let gs = make_gs(10);
    let mut global = GlobalGFree::new();
    let mut local = LocalGFree::new();
    for g in gs.iter() {
        // SAFETY: the Gs live in `gs`, which outlives every list here.
        unsafe {
            local.gfput(gptr(g), || -> &mut GlobalGFree<G> {
                unreachable!("no spill below 64")
            })
        };
    }
    local.gfpurge(&mut global);
    assert!(local.is_empty());
    assert_eq!(global.len(), 10);
    let ids: Vec<u32> = global.iter().map(id).collect();
    assert_eq!(ids, (0..10).collect::<Vec<_>>());
}
