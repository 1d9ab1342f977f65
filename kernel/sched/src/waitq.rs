//! Go's `waitq`: the FIFO of goroutines blocked on one side of a channel
//! (`recvq` or `sendq`), one entry (a sudog) per blocked operation.
//!
//! Why FIFO: a channel serves its blocked senders and receivers in arrival
//! order, so none of them waits forever while others keep being served.
//!
//! Why intrusive, as Go's: the links live in the waiter itself (Go's
//! `sudog.next`/`prev`), and the waiter — a sudog on the blocked G's stack,
//! which stays put while the G is parked — is linked in place. Queueing and
//! dequeueing are a handful of pointer writes: no allocation, no slab, no
//! lookup, which matters on the channel hand-off path (every blocked send
//! or receive is one enqueue and one dequeue).
//!
//! Why removal of an arbitrary entry, in O(1): a `select` that blocks
//! enqueues one sudog on *every* channel it names; when one case fires, the
//! goroutine wakes, relocks the channels and withdraws its other sudogs
//! (Go's `dequeueSudoG`). A waiter knows whether it is queued (a flag in its
//! link, set by `enqueue`, cleared by whoever unlinks it), so withdrawing a
//! sudog that a waker already took off the queue is a no-op.
//!
//! Why [`WaitQ::dequeue_claim`]: between a select's wake-up by one channel
//! and its withdrawal from the others, its sudogs are still queued
//! elsewhere. Go marks the G with `selectDone` (a CAS from 0 to 1): a
//! dequeuer that loses that CAS drops the sudog and takes the next one. The
//! claim closure is where the kernel performs that CAS.
//!
//! The ownership rule (the contract of the `unsafe fn`s): a waiter handed
//! to `enqueue` must stay valid and unmoved until it has left the queue
//! (dequeued, claimed away or removed), must not be on another queue
//! meanwhile, and the queue and its waiters' links are only touched under
//! the one lock that guards the queue (the channel's).

use core::cell::Cell;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// The links a waiter carries (Go's `sudog.next`, `prev`, and whether it
/// is queued).
pub struct WaitLink<T> {
    next: Cell<Option<NonNull<T>>>,
    prev: Cell<Option<NonNull<T>>>,
    queued: Cell<bool>,
}

impl<T> Default for WaitLink<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> WaitLink<T> {
    /// Unlinked.
    pub const fn new() -> Self {
        WaitLink {
            next: Cell::new(None),
            prev: Cell::new(None),
            queued: Cell::new(false),
        }
    }

    /// Whether the waiter is on a queue now.
    pub fn is_queued(&self) -> bool {
        self.queued.get()
    }
}

/// A type that can wait on a [`WaitQ`].
///
/// # Safety
/// `wait_link` must return the same link for the life of the value, and
/// no other code may write that link.
pub unsafe trait Waiter: Sized {
    fn wait_link(&self) -> &WaitLink<Self>;
}

/// A FIFO of waiters with O(1) withdrawal of any one of them.
pub struct WaitQ<T: Waiter> {
    first: Option<NonNull<T>>,
    last: Option<NonNull<T>>,
    len: usize,
    _owns: PhantomData<*const T>,
}

// SAFETY: the queue only holds pointers to waiters, which the ownership
// rule (module docs) keeps valid and reachable only under the queue's lock;
// moving the queue between threads moves nothing else.
unsafe impl<T: Waiter + Send> Send for WaitQ<T> {}

impl<T: Waiter> Default for WaitQ<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The link of the waiter `w` points at.
///
/// # Safety
/// `w` is valid (the ownership rule).
unsafe fn link<'a, T: Waiter>(w: NonNull<T>) -> &'a WaitLink<T> {
    // SAFETY: forwarded contract.
    unsafe { w.as_ref() }.wait_link()
}

impl<T: Waiter> WaitQ<T> {
    /// An empty queue.
    pub const fn new() -> Self {
        WaitQ {
            first: None,
            last: None,
            len: 0,
            _owns: PhantomData,
        }
    }

    /// Number of queued waiters.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no waiter is queued (Go: `q.first == nil`).
    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// Queues `w` at the tail. O(1).
    ///
    /// # Safety
    /// The ownership rule (module docs): `w` is valid, stays put until it
    /// leaves this queue, and is on no queue now.
    #[inline]
    pub unsafe fn enqueue(&mut self, w: NonNull<T>) {
        // SAFETY: `w` is valid (contract); the last waiter is valid because
        // it is queued (ownership rule).
        unsafe {
            let l = link(w);
            debug_assert!(!l.queued.get(), "waitq: enqueue of a queued waiter");
            l.next.set(None);
            l.prev.set(self.last);
            l.queued.set(true);
            match self.last {
                None => self.first = Some(w),
                Some(last) => link(last).next.set(Some(w)),
            }
        }
        self.last = Some(w);
        self.len += 1;
    }

    /// Takes the waiter at the head. O(1).
    #[inline]
    pub fn dequeue(&mut self) -> Option<NonNull<T>> {
        let w = self.first?;
        // SAFETY: queued waiters are valid (ownership rule).
        unsafe { self.unlink(w) };
        Some(w)
    }

    /// Takes waiters from the head until `claim` accepts one, and returns
    /// it; every waiter `claim` rejects leaves the queue too (Go's
    /// `dequeue` dropping a select sudog whose `selectDone` CAS failed).
    #[inline]
    pub fn dequeue_claim(
        &mut self,
        mut claim: impl FnMut(NonNull<T>) -> bool,
    ) -> Option<NonNull<T>> {
        while let Some(w) = self.dequeue() {
            if claim(w) {
                return Some(w);
            }
        }
        None
    }

    /// Withdraws `w` if it is still queued (Go's `dequeueSudoG`), keeping
    /// the others' order; false if it already left. O(1).
    ///
    /// # Safety
    /// `w` is valid, and if it is queued, it is queued on this queue.
    pub unsafe fn remove(&mut self, w: NonNull<T>) -> bool {
        // SAFETY: forwarded contract.
        if !unsafe { link(w) }.queued.get() {
            return false;
        }
        // SAFETY: queued on this queue (contract).
        unsafe { self.unlink(w) };
        true
    }

    /// The waiter at the head, if any. O(1).
    pub fn first(&self) -> Option<NonNull<T>> {
        self.first
    }

    /// The waiters, head first.
    pub fn iter(&self) -> impl Iterator<Item = NonNull<T>> + '_ {
        let mut cur = self.first;
        core::iter::from_fn(move || {
            let w = cur?;
            // SAFETY: queued waiters are valid (ownership rule).
            cur = unsafe { link(w) }.next.get();
            Some(w)
        })
    }

    /// Unlinks the queued waiter `w`.
    ///
    /// # Safety
    /// `w` is queued on this queue.
    #[inline]
    unsafe fn unlink(&mut self, w: NonNull<T>) {
        // SAFETY: `w` and its neighbours are queued, hence valid.
        unsafe {
            let l = link(w);
            let (prev, next) = (l.prev.get(), l.next.get());
            match prev {
                None => self.first = next,
                Some(p) => link(p).next.set(next),
            }
            match next {
                None => self.last = prev,
                Some(n) => link(n).prev.set(prev),
            }
            l.prev.set(None);
            l.next.set(None);
            l.queued.set(false);
        }
        self.len -= 1;
    }
}

#[cfg(test)]
mod tests;
