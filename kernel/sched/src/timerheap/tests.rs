//! TimerHeap against a sorted-Vec model, plus exact tie-order cases.

use super::*;
use alloc::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// The reference: every pending timer, sorted by (when, seq), which is the
/// order `pop_expired` must produce.
#[derive(Default)]
struct Model {
    /// (when, seq, value, id)
    timers: Vec<(u64, u64, u32, TimerId)>,
    next_seq: u64,
}

impl Model {
    fn sort(&mut self) {
        self.timers.sort_by_key(|t| (t.0, t.1));
    }
    fn add(&mut self, when: u64, value: u32, id: TimerId) {
        self.timers.push((when, self.next_seq, value, id));
        self.next_seq += 1;
        self.sort();
    }
    fn find(&self, id: TimerId) -> Option<usize> {
        self.timers.iter().position(|t| t.3 == id)
    }
}

/// The heap's contents in firing order, read without disturbing it.
fn contents(h: &TimerHeap<u32>) -> Vec<(u64, u32, TimerId)> {
    let mut v: Vec<_> = h
        .heap
        .iter()
        .map(|e| {
            let id = h.id_of(e.slot);
            (e.when, e.seq, *h.get(id).unwrap(), id)
        })
        .collect();
    v.sort_by_key(|t| (t.0, t.1));
    v.into_iter().map(|(w, _, v, id)| (w, v, id)).collect()
}

fn assert_same(h: &TimerHeap<u32>, m: &Model) {
    h.verify();
    let want: Vec<_> = m.timers.iter().map(|t| (t.0, t.2, t.3)).collect();
    assert_eq!(contents(h), want);
    assert_eq!(h.len(), m.timers.len());
    assert_eq!(h.is_empty(), m.timers.is_empty());
    assert_eq!(h.peek_when(), m.timers.first().map(|t| t.0));
    assert_eq!(h.peek(), m.timers.first().map(|t| (t.3, t.0)));
}

#[derive(Clone, Debug)]
enum Op {
    Add(u64),
    /// Delete the k-th (mod len) of all ids ever issued, live or dead.
    Delete(usize),
    Modify(usize, u64),
    PopExpired(u64),
}

fn op() -> impl Strategy<Value = Op> {
    // `when` drawn from a small range so that ties are frequent.
    prop_oneof![
        4 => (0u64..24).prop_map(Op::Add),
        2 => any::<usize>().prop_map(Op::Delete),
        2 => (any::<usize>(), 0u64..24).prop_map(|(k, w)| Op::Modify(k, w)),
        2 => (0u64..24).prop_map(Op::PopExpired),
    ]
}

fn config() -> Config {
    Config {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x7133_4ea9),
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// After every operation the heap holds exactly the model's timers, in
    /// the model's order, with the heap invariant intact; stale ids (fired or
    /// deleted timers, including ones whose slot was reused) are refused.
    #[test]
    fn matches_sorted_vec_model(ops in proptest::collection::vec(op(), 1..200)) {
        let mut h = TimerHeap::new();
        let mut m = Model::default();
        let mut issued: Vec<TimerId> = Vec::new();
        let mut next_value = 0u32;
        for op in ops {
            match op {
                Op::Add(when) => {
                    let id = h.add(when, next_value);
                    prop_assert!(!issued.contains(&id), "id reused: {:?}", id);
                    issued.push(id);
                    m.add(when, next_value, id);
                    next_value += 1;
                }
                Op::Delete(k) if !issued.is_empty() => {
                    let id = issued[k % issued.len()];
                    let want = m.find(id).map(|i| m.timers.remove(i).2);
                    prop_assert_eq!(h.delete(id), want);
                    prop_assert_eq!(h.get(id), None);
                }
                Op::Modify(k, when) if !issued.is_empty() => {
                    let id = issued[k % issued.len()];
                    let found = m.find(id);
                    if let Some(i) = found {
                        m.timers[i].0 = when;
                        m.timers[i].1 = m.next_seq;
                        m.next_seq += 1;
                        m.sort();
                    }
                    prop_assert_eq!(h.modify(id, when), found.is_some());
                    prop_assert_eq!(h.when(id), found.map(|_| when));
                }
                Op::PopExpired(now) => {
                    let want = match m.timers.first() {
                        Some(t) if t.0 <= now => Some(m.timers.remove(0)),
                        _ => None,
                    };
                    prop_assert_eq!(h.pop_expired(now), want.map(|t| (t.0, t.2)));
                    if let Some(t) = want {
                        prop_assert_eq!(h.when(t.3), None);
                    }
                }
                _ => {}
            }
            assert_same(&h, &m);
        }
        // Draining fires everything in (when, seq) order.
        let drained: Vec<_> = core::iter::from_fn(|| h.pop_expired(u64::MAX)).collect();
        let want: Vec<_> = m.timers.iter().map(|t| (t.0, t.2)).collect();
        prop_assert_eq!(drained, want);
        h.verify();
    }
}

#[test]
fn ties_fire_in_insertion_order() {
    let mut h = TimerHeap::new();
    for v in 0..40u32 {
        // Interleave two `when`s so ties are spread over the heap.
        h.add(if v % 2 == 0 { 100 } else { 50 }, v);
    }
    let fired: Vec<_> = core::iter::from_fn(|| h.pop_expired(100)).collect();
    let mut want: Vec<(u64, u32)> = (0..40).filter(|v| v % 2 == 1).map(|v| (50, v)).collect();
    want.extend((0..40).filter(|v| v % 2 == 0).map(|v| (100, v)));
    assert_eq!(fired, want);
}

#[test]
fn modify_moves_a_timer_behind_its_new_ties() {
    let mut h = TimerHeap::new();
    let a = h.add(10, 'a');
    let _b = h.add(10, 'b');
    let c = h.add(5, 'c');
    assert!(h.modify(a, 10)); // same when, but now set last
    assert!(h.modify(c, 10)); // and c after it
    let order: Vec<_> = core::iter::from_fn(|| h.pop_expired(10).map(|t| t.1)).collect();
    assert_eq!(order, vec!['b', 'a', 'c']);
}

#[test]
fn pop_expired_respects_now_and_is_one_at_a_time() {
    let mut h = TimerHeap::new();
    h.add(30, 3);
    h.add(10, 1);
    h.add(20, 2);
    assert_eq!(h.pop_expired(9), None);
    assert_eq!(h.pop_expired(20), Some((10, 1)));
    assert_eq!(h.len(), 2);
    assert_eq!(h.pop_expired(20), Some((20, 2)));
    assert_eq!(h.pop_expired(29), None);
    assert_eq!(h.peek_when(), Some(30));
    assert_eq!(h.pop_expired(30), Some((30, 3)));
    assert_eq!(h.pop_expired(u64::MAX), None);
    assert!(h.is_empty());
}

#[test]
fn stale_id_is_refused_after_its_slot_is_reused() {
    let mut h = TimerHeap::new();
    let old = h.add(1, 10u32);
    assert_eq!(h.delete(old), Some(10));
    let new = h.add(2, 20);
    assert_eq!(
        new.slot, old.slot,
        "slot should be reused from the free list"
    );
    assert_ne!(new, old);
    assert_eq!(h.delete(old), None);
    assert!(!h.modify(old, 0));
    assert_eq!(h.get(old), None);
    assert_eq!(h.when(new), Some(2));
    *h.get_mut(new).unwrap() += 1;
    assert_eq!(h.delete(new), Some(21));
}

#[test]
fn no_growth_at_steady_state() {
    let mut h = TimerHeap::with_capacity(64);
    let (heap_cap, slot_cap) = (h.heap.capacity(), h.slots.capacity());
    for round in 0..100u64 {
        for i in 0..64 {
            h.add(round * 100 + (i * 37) % 64, i);
        }
        while h.pop_expired(u64::MAX).is_some() {}
    }
    assert_eq!(
        (h.heap.capacity(), h.slots.capacity()),
        (heap_cap, slot_cap)
    );
    assert_eq!(h.slots.len(), 64);
}

#[test]
fn heap_is_four_ary() {
    // Root 0, then four larger keys: in a 4-ary heap all four are children
    // of the root and none moves. A binary heap would have lifted 2 above 4
    // (index 3's parent would be index 1).
    let mut h = TimerHeap::new();
    for w in [0u64, 4, 3, 2, 1] {
        h.add(w, ());
    }
    let layout: Vec<u64> = h.heap.iter().map(|e| e.when).collect();
    assert_eq!(layout, vec![0, 4, 3, 2, 1]);
    // A fifth child goes under index 1 (4), and must swap with it.
    h.add(2, ());
    let layout: Vec<u64> = h.heap.iter().map(|e| e.when).collect();
    assert_eq!(layout, vec![0, 2, 3, 2, 1, 4]);
    h.verify();
}

#[test]
#[should_panic(expected = "bad heap order")]
fn verify_catches_a_broken_heap() {
    let mut h = TimerHeap::new();
    h.add(1, ());
    h.add(2, ());
    h.heap[1].when = 0;
    h.verify();
}
