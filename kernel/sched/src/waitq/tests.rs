//! The intrusive WaitQ against a VecDeque model, plus the select
//! withdrawal cases.

use super::*;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// A test waiter: a value and its link, boxed so it stays put.
struct Node {
    v: u32,
    link: WaitLink<Node>,
}

// SAFETY: `link` is the node's own field, written only by the queue.
unsafe impl Waiter for Node {
    fn wait_link(&self) -> &WaitLink<Node> {
        &self.link
    }
}

fn node(v: u32) -> Box<Node> {
    Box::new(Node {
        v,
        link: WaitLink::new(),
    })
}

fn ptr(n: &Node) -> NonNull<Node> {
    NonNull::from(n)
}

fn values(q: &WaitQ<Node>) -> Vec<u32> {
    // SAFETY: queued nodes are alive (the tests keep every box).
    q.iter().map(|w| unsafe { w.as_ref() }.v).collect()
}

fn value(w: Option<NonNull<Node>>) -> Option<u32> {
    // SAFETY: as in `values`.
    w.map(|w| unsafe { w.as_ref() }.v)
}

/// Walks the links both ways: forward from `first` and backward from
/// `last` give the same waiters, every one marked queued, `len` agrees.
fn check_links(q: &WaitQ<Node>) {
    let forward = values(q);
    let mut backward = Vec::new();
    let mut cur = q.last;
    while let Some(w) = cur {
        // SAFETY: as in `values`.
        let n = unsafe { w.as_ref() };
        assert!(n.link.is_queued(), "unqueued node linked into the queue");
        backward.push(n.v);
        cur = n.link.prev.get();
        assert!(backward.len() <= forward.len(), "cycle in prev links");
    }
    backward.reverse();
    assert_eq!(forward, backward);
    assert_eq!(forward.len(), q.len());
}

#[derive(Clone, Debug)]
enum Op {
    Enqueue,
    Dequeue,
    /// Remove the k-th (mod len) node ever made, queued or not.
    Remove(usize),
    /// Dequeue, rejecting waiters whose value is a multiple of `m`.
    DequeueClaim(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Enqueue),
        2 => Just(Op::Dequeue),
        3 => any::<usize>().prop_map(Op::Remove),
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
    /// order; removal of any element keeps the others' order; removing a
    /// waiter that already left is a no-op; a dequeued node can queue again.
    #[test]
    fn matches_vecdeque_model(ops in proptest::collection::vec(op(), 0..200)) {
        let mut q = WaitQ::new();
        let mut m: VecDeque<u32> = VecDeque::new();
        let mut nodes: Vec<Box<Node>> = Vec::new();
        for op in ops {
            match op {
                Op::Enqueue => {
                    // Reuse a node that is not queued now, or make one.
                    let i = nodes.iter().position(|n| !n.link.is_queued());
                    let i = match i {
                        Some(i) if nodes.len() > 8 => i,
                        _ => {
                            nodes.push(node(nodes.len() as u32));
                            nodes.len() - 1
                        }
                    };
                    // SAFETY: the box stays put and is on no queue.
                    unsafe { q.enqueue(ptr(&nodes[i])) };
                    m.push_back(nodes[i].v);
                }
                Op::Dequeue => prop_assert_eq!(value(q.dequeue()), m.pop_front()),
                Op::Remove(k) if !nodes.is_empty() => {
                    let n = &nodes[k % nodes.len()];
                    let want = m.iter().position(|&v| v == n.v).map(|i| m.remove(i).unwrap());
                    prop_assert_eq!(n.link.is_queued(), want.is_some());
                    // SAFETY: alive; if queued, on `q` (the only queue).
                    prop_assert_eq!(unsafe { q.remove(ptr(n)) }, want.is_some());
                    prop_assert!(!n.link.is_queued());
                }
                Op::DequeueClaim(md) => {
                    let mut rejected = Vec::new();
                    let got = q.dequeue_claim(|w| {
                        // SAFETY: as in `values`.
                        let v = unsafe { w.as_ref() }.v;
                        if v % md == 0 { rejected.push(v); false } else { true }
                    });
                    let mut want_rejected = Vec::new();
                    let mut want = None;
                    while let Some(v) = m.pop_front() {
                        if v % md == 0 { want_rejected.push(v) } else { want = Some(v); break }
                    }
                    prop_assert_eq!(value(got), want);
                    prop_assert_eq!(rejected, want_rejected);
                }
                _ => {}
            }
            prop_assert_eq!(values(&q), m.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(value(q.first()), m.front().copied());
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
    let (a1, b1, b9, a2, b2) = (node(1), node(1), node(9), node(2), node(2));
    let mut a = WaitQ::new();
    let mut b = WaitQ::new();
    // SAFETY: the boxes outlive the queues' use and are on one queue each.
    unsafe {
        a.enqueue(ptr(&a1));
        b.enqueue(ptr(&b1));
        b.enqueue(ptr(&b9));
        a.enqueue(ptr(&a2));
        b.enqueue(ptr(&b2));
    }
    assert_eq!(value(a.dequeue()), Some(1));
    // SAFETY: `b1` is alive and queued on `b` only.
    assert!(unsafe { b.remove(ptr(&b1)) });
    // SAFETY: as above; now on no queue.
    let again = unsafe { b.remove(ptr(&b1)) };
    assert!(!again, "second withdrawal is a no-op");
    assert_eq!(values(&b), vec![9, 2]);
    check_links(&b);
}

#[test]
fn dequeue_claim_skips_a_select_already_won_elsewhere() {
    let gs = [node(10), node(11), node(12)];
    let mut q = WaitQ::new();
    for g in &gs {
        // SAFETY: the boxes outlive the queue's use.
        unsafe { q.enqueue(ptr(g)) };
    }
    // G 10's select already fired on another channel: its CAS fails.
    let mut select_done = [true, false, false];
    let got = q.dequeue_claim(|w| {
        // SAFETY: as in `values`.
        let i = (unsafe { w.as_ref() }.v - 10) as usize;
        !core::mem::replace(&mut select_done[i], true)
    });
    assert_eq!(value(got), Some(11));
    assert_eq!(values(&q), vec![12]);
    assert!(
        !gs[0].link.is_queued(),
        "a rejected waiter left the queue too"
    );
    assert_eq!(q.dequeue_claim(|_| false), None);
    assert!(q.is_empty());
}
