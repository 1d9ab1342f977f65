//! The element buffer of a Go channel: `hchan`'s `buf`, `sendx`, `recvx`,
//! `qcount` and `dataqsiz`.
//!
//! Why a fixed ring with two indices: a channel's capacity never changes,
//! so Go allocates the buffer once with the `hchan` and never again; a send
//! writes at `sendx`, a receive reads at `recvx`, each index wraps at
//! `dataqsiz`, and `qcount` tells full from empty (when `sendx == recvx`
//! the ring is either). Everything here runs under the channel's lock in
//! the kernel, so plain fields suffice.
//!
//! Why capacity 0 is "full and empty at once": an unbuffered channel has no
//! slot, so a send can never complete into the buffer (always full) and a
//! receive never finds a value in it (always empty). Both must meet a
//! waiter on the other side's [`WaitQ`](crate::waitq::WaitQ) instead — the
//! rendezvous.
//!
//! [`ChanBuf::pop_push`] is Go's receive from a *full* buffered channel
//! that has a blocked sender: the receiver takes the oldest value and the
//! sender's value goes in at the tail. The ring is full, so head and tail
//! are the same slot: one move in, one move out, `recvx` advances and
//! `sendx` follows it. FIFO order is kept: the sender queued behind every
//! buffered value.

use alloc::boxed::Box;
use alloc::vec::Vec;

/// A channel's fixed-capacity FIFO buffer.
pub struct ChanBuf<T> {
    /// `dataqsiz` slots; `None` where no value is buffered.
    buf: Box<[Option<T>]>,
    sendx: usize,
    recvx: usize,
    qcount: usize,
}

impl<T> ChanBuf<T> {
    /// A buffer of `cap` slots (Go's `make(chan T, cap)`); 0 is an
    /// unbuffered channel and allocates nothing.
    pub fn new(cap: usize) -> Self {
        let buf: Vec<Option<T>> = (0..cap).map(|_| None).collect();
        ChanBuf {
            buf: buf.into_boxed_slice(),
            sendx: 0,
            recvx: 0,
            qcount: 0,
        }
    }

    /// Go's `dataqsiz`: the capacity fixed at creation (`cap(ch)`).
    pub fn cap(&self) -> usize {
        self.buf.len()
    }

    /// Go's `qcount`: the number of buffered values (`len(ch)`).
    pub fn len(&self) -> usize {
        self.qcount
    }

    /// No buffered value (always true when unbuffered).
    pub fn is_empty(&self) -> bool {
        self.qcount == 0
    }

    /// No free slot (always true when unbuffered).
    pub fn is_full(&self) -> bool {
        self.qcount == self.buf.len()
    }

    /// Go's `sendx`: the slot the next send writes.
    pub fn sendx(&self) -> usize {
        self.sendx
    }

    /// Go's `recvx`: the slot the next receive reads.
    pub fn recvx(&self) -> usize {
        self.recvx
    }

    /// Buffers `v` at the tail (chansend's "space is available" path), or
    /// hands it back if the buffer is full. O(1).
    pub fn push(&mut self, v: T) -> Result<(), T> {
        if self.is_full() {
            return Err(v);
        }
        let slot = &mut self.buf[self.sendx];
        debug_assert!(slot.is_none(), "chanbuf: send slot occupied");
        *slot = Some(v);
        self.sendx = self.wrap(self.sendx + 1);
        self.qcount += 1;
        Ok(())
    }

    /// Takes the oldest buffered value (chanrecv's "receive directly from
    /// queue" path). O(1).
    pub fn pop(&mut self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let v = self.buf[self.recvx].take();
        debug_assert!(v.is_some(), "chanbuf: receive slot empty");
        self.recvx = self.wrap(self.recvx + 1);
        self.qcount -= 1;
        v
    }

    /// On a full buffer, takes the oldest value and buffers `v` in its place
    /// at the tail (Go's `recv` from a full channel with a blocked sender).
    /// Hands `v` back if the buffer is not full or is unbuffered. O(1).
    pub fn pop_push(&mut self, v: T) -> Result<T, T> {
        if self.cap() == 0 || !self.is_full() {
            return Err(v);
        }
        debug_assert_eq!(self.sendx, self.recvx, "chanbuf: full ring, indices apart");
        let out = self.buf[self.recvx].replace(v);
        self.recvx = self.wrap(self.recvx + 1);
        self.sendx = self.recvx;
        Ok(out.expect("chanbuf: full ring has an empty slot"))
    }

    /// The buffered values, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.qcount).map(move |i| {
            let slot = &self.buf[(self.recvx + i) % self.buf.len()];
            slot.as_ref().expect("chanbuf: hole in the buffered run")
        })
    }

    fn wrap(&self, i: usize) -> usize {
        if i == self.buf.len() { 0 } else { i }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::VecDeque;
    use alloc::vec;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed};

    #[derive(Clone, Debug)]
    enum Op {
        Push,
        Pop,
        PopPush,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![Just(Op::Push), Just(Op::Pop), Just(Op::PopPush)]
    }

    proptest! {
        #![proptest_config(Config {
            cases: 256,
            rng_seed: RngSeed::Fixed(0xc4a2_b0f1),
            failure_persistence: None,
            ..Config::default()
        })]

        /// Every operation does what a VecDeque bounded at `cap` does, and
        /// the Go indices stay consistent (`sendx == (recvx + qcount) % cap`).
        #[test]
        fn matches_bounded_vecdeque(cap in 0usize..6, ops in proptest::collection::vec(op(), 0..120)) {
            let mut b = ChanBuf::new(cap);
            let mut m: VecDeque<u32> = VecDeque::new();
            for (n, op) in ops.into_iter().enumerate() {
                let v = n as u32;
                match op {
                    Op::Push => {
                        let want = if m.len() < cap { m.push_back(v); Ok(()) } else { Err(v) };
                        prop_assert_eq!(b.push(v), want);
                    }
                    Op::Pop => prop_assert_eq!(b.pop(), m.pop_front()),
                    Op::PopPush => {
                        let want = if cap > 0 && m.len() == cap {
                            let out = m.pop_front().unwrap();
                            m.push_back(v);
                            Ok(out)
                        } else {
                            Err(v)
                        };
                        prop_assert_eq!(b.pop_push(v), want);
                    }
                }
                prop_assert_eq!(b.iter().copied().collect::<Vec<_>>(), m.iter().copied().collect::<Vec<_>>());
                prop_assert_eq!(b.len(), m.len());
                prop_assert_eq!(b.cap(), cap);
                prop_assert_eq!(b.is_empty(), m.is_empty());
                prop_assert_eq!(b.is_full(), m.len() == cap);
                if cap > 0 {
                    prop_assert_eq!(b.sendx(), (b.recvx() + b.len()) % cap);
                    prop_assert!(b.sendx() < cap && b.recvx() < cap);
                }
                let filled = b.buf.iter().filter(|s| s.is_some()).count();
                prop_assert_eq!(filled, m.len(), "a stale value was left in the ring");
            }
        }
    }

    #[test]
    fn unbuffered_is_full_and_empty() {
        let mut b = ChanBuf::<u8>::new(0);
        assert!(b.is_full() && b.is_empty());
        assert_eq!((b.len(), b.cap()), (0, 0));
        assert_eq!(b.push(7), Err(7));
        assert_eq!(b.pop(), None);
        assert_eq!(b.pop_push(8), Err(8));
    }

    #[test]
    fn fifo_across_wraparound() {
        let mut b = ChanBuf::new(3);
        let mut out = vec![];
        for v in 0..10 {
            b.push(v).unwrap();
            if b.is_full() {
                out.push(b.pop().unwrap());
            }
        }
        while let Some(v) = b.pop() {
            out.push(v);
        }
        assert_eq!(out, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn pop_push_keeps_sender_behind_buffered_values() {
        let mut b = ChanBuf::new(2);
        b.push('a').unwrap();
        b.push('b').unwrap();
        assert_eq!(b.push('c'), Err('c'));
        // A receiver arrives while a sender with 'c' is blocked.
        assert_eq!(b.pop_push('c'), Ok('a'));
        assert_eq!((b.sendx(), b.recvx()), (1, 1));
        assert_eq!(b.iter().copied().collect::<Vec<_>>(), vec!['b', 'c']);
        assert_eq!(b.pop(), Some('b'));
        assert_eq!(
            b.pop_push('d'),
            Err('d'),
            "not full: sender would not be blocked"
        );
    }
}
