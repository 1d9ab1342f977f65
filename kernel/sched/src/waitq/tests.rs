//! WaitQ against a VecDeque model, plus the select withdrawal cases.

use super::*;
use alloc::collections::VecDeque;
use alloc::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Walks the links both ways and the free list: every node is either queued
/// (reachable from `first` and, reversed, from `last`) or free, never both.
fn check_links<W: Clone + PartialEq + core::fmt::Debug>(q: &WaitQ<W>) {
    let forward: Vec<W> = q.iter().cloned().collect();
    let mut backward = Vec::new();
    let mut cur = q.last;
    while cur != NIL {
        let n = &q.nodes[cur as usize];
        backward.push(n.item.clone().expect("free node linked into the queue"));
        cur = n.prev;
        assert!(backward.len() <= q.nodes.len(), "cycle in prev links");
    }
    backward.reverse();
    assert_eq!(forward, backward);
    assert_eq!(forward.len(), q.len());
    let mut free = 0;
    let mut f = q.free;
    while f != NIL {
        assert!(
            q.nodes[f as usize].item.is_none(),
            "queued node on free list"
        );
        free += 1;
        assert!(free <= q.nodes.len(), "cycle in free list");
        f = q.nodes[f as usize].next;
    }
    assert_eq!(free + q.len(), q.nodes.len(), "a node is lost");
}

#[derive(Clone, Debug)]
enum Op {
    Enqueue,
    Dequeue,
    /// Remove the k-th (mod len) id ever issued, queued or not.
    Remove(usize),
    /// Remove the first waiter equal to this value.
    RemoveWaiter(u32),
    /// Dequeue, rejecting waiters whose value is a multiple of `m`.
    DequeueClaim(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Enqueue),
        2 => Just(Op::Dequeue),
        3 => any::<usize>().prop_map(Op::Remove),
        1 => (0u32..64).prop_map(Op::RemoveWaiter),
        1 => (2u32..4).prop_map(Op::DequeueClaim),
    ]
}

proptest! {
    #![proptest_config(Config {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x3a17_9e05),
        failure_persistence: None,
        ..Config::default()
    })]

    /// Each operation leaves exactly the VecDeque model's waiters, in its
    /// order; removal of any element keeps the others' order; stale ids are
    /// refused after their slot is reused.
    #[test]
    fn matches_vecdeque_model(ops in proptest::collection::vec(op(), 0..200)) {
        let mut q = WaitQ::new();
        let mut m: VecDeque<(u32, WaitId)> = VecDeque::new();
        let mut issued: Vec<WaitId> = Vec::new();
        let mut next = 0u32;
        for op in ops {
            match op {
                Op::Enqueue => {
                    // Values repeat every 64 so remove_waiter meets duplicates.
                    let v = next % 64;
                    next += 1;
                    let id = q.enqueue(v);
                    prop_assert!(!issued.contains(&id));
                    issued.push(id);
                    m.push_back((v, id));
                }
                Op::Dequeue => prop_assert_eq!(q.dequeue(), m.pop_front().map(|e| e.0)),
                Op::Remove(k) if !issued.is_empty() => {
                    let id = issued[k % issued.len()];
                    let want = m.iter().position(|e| e.1 == id).map(|i| m.remove(i).unwrap().0);
                    prop_assert_eq!(q.contains(id), want.is_some());
                    prop_assert_eq!(q.remove(id), want);
                    prop_assert!(!q.contains(id));
                }
                Op::RemoveWaiter(v) => {
                    let found = m.iter().position(|e| e.0 == v);
                    if let Some(i) = found {
                        m.remove(i);
                    }
                    prop_assert_eq!(q.remove_waiter(&v), found.is_some());
                }
                Op::DequeueClaim(md) => {
                    let mut rejected = Vec::new();
                    let got = q.dequeue_claim(|&v| {
                        if v % md == 0 { rejected.push(v); false } else { true }
                    });
                    let mut want_rejected = Vec::new();
                    let mut want = None;
                    while let Some((v, _)) = m.pop_front() {
                        if v % md == 0 { want_rejected.push(v) } else { want = Some(v); break }
                    }
                    prop_assert_eq!(got, want);
                    prop_assert_eq!(rejected, want_rejected);
                }
                _ => {}
            }
            let want: Vec<u32> = m.iter().map(|e| e.0).collect();
            prop_assert_eq!(q.iter().copied().collect::<Vec<_>>(), want);
            prop_assert_eq!(q.first().copied(), m.front().map(|e| e.0));
            prop_assert_eq!(q.is_empty(), m.is_empty());
            check_links(&q);
        }
    }
}

#[test]
fn select_withdraws_from_the_other_queues() {
    // Two selecting goroutines (1, 2) and a plain receiver (9) wait on
    // channels A and B. Goroutine 1 is woken through A and withdraws its
    // sudog from B; B's remaining order must be unchanged.
    let mut a = WaitQ::new();
    let mut b = WaitQ::new();
    let _a1 = a.enqueue(1);
    let b1 = b.enqueue(1);
    let _b9 = b.enqueue(9);
    let _a2 = a.enqueue(2);
    let _b2 = b.enqueue(2);
    assert_eq!(a.dequeue(), Some(1));
    assert_eq!(b.remove(b1), Some(1));
    assert_eq!(b.remove(b1), None, "second withdrawal is a no-op");
    assert_eq!(b.iter().copied().collect::<Vec<_>>(), vec![9, 2]);
    check_links(&b);
}

#[test]
fn dequeue_claim_skips_a_select_already_won_elsewhere() {
    let mut q = WaitQ::new();
    for g in [10, 11, 12] {
        q.enqueue(g);
    }
    // G 10's select already fired on another channel: its CAS fails.
    let mut select_done = [true, false, false];
    let got = q.dequeue_claim(|&g| {
        let i = g - 10;
        !core::mem::replace(&mut select_done[i], true)
    });
    assert_eq!(got, Some(11));
    assert_eq!(q.iter().copied().collect::<Vec<_>>(), vec![12]);
    assert_eq!(q.dequeue_claim(|_| false), None);
    assert!(q.is_empty());
}

#[test]
fn slots_are_reused_not_grown() {
    let mut q = WaitQ::new();
    for round in 0..50 {
        let ids: Vec<_> = (0..8).map(|i| q.enqueue(round * 8 + i)).collect();
        for id in ids.iter().rev().step_by(2) {
            q.remove(*id).unwrap();
        }
        while q.dequeue().is_some() {}
    }
    assert_eq!(q.nodes.len(), 8);
    check_links(&q);
}
