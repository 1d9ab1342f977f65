//! Go's `waitq`: the FIFO of goroutines blocked on one side of a channel
//! (`recvq` or `sendq`), one entry (a sudog) per blocked operation.
//!
//! Why FIFO: a channel serves its blocked senders and receivers in arrival
//! order, so none of them waits forever while others keep being served.
//!
//! Why removal of an arbitrary entry, in O(1): a `select` that blocks
//! enqueues one sudog on *every* channel it names; when one case fires, the
//! goroutine wakes, relocks the channels and withdraws its other sudogs
//! (Go's `dequeueSudoG`). Go's queue is an intrusive doubly-linked list
//! threaded through the sudogs. Here the links live in a slab owned by the
//! queue, so the kernel may store any handle `W` (a sudog pointer, a G
//! index): [`WaitQ::enqueue`] returns a [`WaitId`], and [`WaitQ::remove`]
//! unlinks that entry in O(1) without searching. A generation number makes
//! a stale id (already dequeued) harmless even after its slot is reused.
//!
//! Why [`WaitQ::dequeue_claim`]: between a select's wake-up by one channel
//! and its withdrawal from the others, its sudogs are still queued
//! elsewhere. Go marks the G with `selectDone` (a CAS from 0 to 1): a
//! dequeuer that loses that CAS drops the sudog and takes the next one. The
//! claim closure is where the kernel performs that CAS.
//!
//! Costs: `enqueue`, `dequeue`, `remove` O(1) (`enqueue` amortised: the slab
//! grows to the queue's high-water mark and then only reuses slots);
//! `remove_waiter`, `iter` O(n).

use alloc::vec::Vec;

/// A handle to one entry of one [`WaitQ`], valid until that entry leaves
/// the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WaitId {
    slot: u32,
    generation: u32,
}

const NIL: u32 = u32::MAX;

struct Node<W> {
    generation: u32,
    /// Neighbours in the queue, or (for a free node) `next` is the free list.
    prev: u32,
    next: u32,
    item: Option<W>,
}

/// A FIFO of waiters with O(1) withdrawal of any one of them.
pub struct WaitQ<W> {
    nodes: Vec<Node<W>>,
    first: u32,
    last: u32,
    free: u32,
    len: usize,
}

impl<W> Default for WaitQ<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> WaitQ<W> {
    /// An empty queue; allocates nothing until the first `enqueue`.
    pub const fn new() -> Self {
        WaitQ {
            nodes: Vec::new(),
            first: NIL,
            last: NIL,
            free: NIL,
            len: 0,
        }
    }

    /// Number of queued waiters.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no waiter is queued (Go: `q.first == nil`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues `w` at the tail. O(1) amortised.
    #[inline]
    pub fn enqueue(&mut self, w: W) -> WaitId {
        let slot = self.alloc(w);
        let n = &mut self.nodes[slot as usize];
        n.prev = self.last;
        n.next = NIL;
        let generation = n.generation;
        match self.last {
            NIL => self.first = slot,
            last => self.nodes[last as usize].next = slot,
        }
        self.last = slot;
        self.len += 1;
        WaitId { slot, generation }
    }

    /// Takes the waiter at the head. O(1).
    #[inline]
    pub fn dequeue(&mut self) -> Option<W> {
        match self.first {
            NIL => None,
            first => Some(self.unlink(first)),
        }
    }

    /// Takes waiters from the head until `claim` accepts one, and returns
    /// it; every waiter `claim` rejects leaves the queue too (Go's
    /// `dequeue` dropping a select sudog whose `selectDone` CAS failed).
    #[inline]
    pub fn dequeue_claim(&mut self, mut claim: impl FnMut(&W) -> bool) -> Option<W> {
        while let Some(w) = self.dequeue() {
            if claim(&w) {
                return Some(w);
            }
        }
        None
    }

    /// Withdraws the entry `id` (Go's `dequeueSudoG`), keeping the others'
    /// order. `None` if it already left the queue. O(1).
    pub fn remove(&mut self, id: WaitId) -> Option<W> {
        let n = self.nodes.get(id.slot as usize)?;
        if n.generation != id.generation || n.item.is_none() {
            return None;
        }
        Some(self.unlink(id.slot))
    }

    /// Whether entry `id` is still queued. O(1).
    pub fn contains(&self, id: WaitId) -> bool {
        self.nodes
            .get(id.slot as usize)
            .is_some_and(|n| n.generation == id.generation && n.item.is_some())
    }

    /// The waiter at the head, if any. O(1).
    pub fn first(&self) -> Option<&W> {
        match self.first {
            NIL => None,
            f => self.nodes[f as usize].item.as_ref(),
        }
    }

    /// The waiters, head first.
    pub fn iter(&self) -> impl Iterator<Item = &W> + '_ {
        let mut cur = self.first;
        core::iter::from_fn(move || {
            if cur == NIL {
                return None;
            }
            let n = &self.nodes[cur as usize];
            cur = n.next;
            n.item.as_ref()
        })
    }

    #[inline]
    fn alloc(&mut self, w: W) -> u32 {
        if self.free != NIL {
            let slot = self.free;
            let n = &mut self.nodes[slot as usize];
            self.free = n.next;
            n.item = Some(w);
            return slot;
        }
        assert!(
            self.nodes.len() < NIL as usize,
            "waitq: more than 2^32-1 waiters"
        );
        self.nodes.push(Node {
            generation: 0,
            prev: NIL,
            next: NIL,
            item: Some(w),
        });
        (self.nodes.len() - 1) as u32
    }

    /// Unlinks a live node, puts it on the free list, returns its waiter.
    #[inline]
    fn unlink(&mut self, slot: u32) -> W {
        let (prev, next) = {
            let n = &self.nodes[slot as usize];
            (n.prev, n.next)
        };
        match prev {
            NIL => self.first = next,
            p => self.nodes[p as usize].next = next,
        }
        match next {
            NIL => self.last = prev,
            x => self.nodes[x as usize].prev = prev,
        }
        self.len -= 1;
        let n = &mut self.nodes[slot as usize];
        n.generation = n.generation.wrapping_add(1);
        n.prev = NIL;
        n.next = self.free;
        self.free = slot;
        n.item.take().expect("waitq: unlinked a free node")
    }
}

impl<W: PartialEq> WaitQ<W> {
    /// Withdraws the first entry equal to `w`, keeping the others' order;
    /// false if none is queued. O(n): prefer [`WaitQ::remove`] with the id.
    pub fn remove_waiter(&mut self, w: &W) -> bool {
        let mut cur = self.first;
        while cur != NIL {
            let n = &self.nodes[cur as usize];
            if n.item.as_ref() == Some(w) {
                self.unlink(cur);
                return true;
            }
            cur = n.next;
        }
        false
    }
}

#[cfg(test)]
mod tests;
