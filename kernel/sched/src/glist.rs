//! Intrusive lists of Gs linked through each G's `schedlink`: Go's `gQueue`
//! (FIFO) and `gList` (LIFO stack).
//!
//! Design note: the scheduler must move Gs between queues without
//! allocating (it runs with interrupts off, under spinlocks, on the g0
//! stack), so the link lives inside the G, as in Go. A G is on at most one
//! list or queue at a time, which is what makes one link field enough.
//!
//! The link is an `AtomicPtr` rather than a plain pointer because the same G
//! is linked by different cores over its life (a batch linked by one core is
//! unlinked by another after passing through the global queue). Every access
//! here is `Relaxed`: each list is owned by one core at a time, and what
//! passes it from core to core (the global queue's lock, or the run
//! queue's release/acquire pair) already orders the link writes before the
//! reads.
//!
//! # The ownership rule (the contract of every `unsafe` push)
//! A G handed to any list or queue of this crate (`GQueue`, `GList`,
//! `LocalRunQueue`, `GlobalRunQueue`, the free lists) must stay valid — not
//! freed, not moved — and on no other list until this crate hands it back
//! out (a `pop`, `runqget`, `runqsteal`, `globrunqget`, `gfget`, ... result).
//! Moving Gs between this crate's structures keeps them "inside", so those
//! moves are safe functions; only the entry points are `unsafe`.

use crate::sync::{AtomicPtr, Ordering::Relaxed, maybe_const_fn};
use core::marker::PhantomData;
use core::ptr::{self, NonNull};

/// A type that can sit on the scheduler's intrusive lists: it owns one link.
///
/// # Safety
/// `schedlink` must return the same field every time for a given object,
/// and nothing but this crate's lists and queues may write that field while
/// the object is on one of them.
pub unsafe trait SchedLink: Sized {
    /// The G's `schedlink` field (Go: `g.schedlink`).
    fn schedlink(&self) -> &AtomicPtr<Self>;
}

/// Reads the link of `gp`.
///
/// Every pointer stored in a list obeys the module's ownership rule, so it
/// is valid to dereference while it is on the list.
fn link_of<T: SchedLink>(gp: NonNull<T>) -> *mut T {
    // SAFETY: `gp` is on one of this crate's lists, so by the ownership rule
    // (see the module docs) it points to a live `T`.
    unsafe { gp.as_ref() }.schedlink().load(Relaxed)
}

/// Writes the link of `gp`.
fn set_link<T: SchedLink>(gp: NonNull<T>, next: *mut T) {
    // SAFETY: as in `link_of`: `gp` is (being put) on one of this crate's
    // lists, and the caller of the entry point promised it is live.
    unsafe { gp.as_ref() }.schedlink().store(next, Relaxed);
}

/// A FIFO of Gs linked through `schedlink` (Go's `gQueue`): head, tail, size.
pub struct GQueue<T: SchedLink> {
    head: *mut T,
    tail: *mut T,
    size: u32,
    _owns: PhantomData<NonNull<T>>,
}

// SAFETY: a GQueue is a set of pointers whose Gs it alone holds (ownership
// rule); the only thing it dereferences is the `schedlink` atomic, which is
// `Sync`. Moving or sharing the queue across cores is therefore sound: the
// kernel's global queue lives behind a lock shared by all cores.
unsafe impl<T: SchedLink> Send for GQueue<T> {}
// SAFETY: `&GQueue` only reads links (atomics); see the `Send` impl.
unsafe impl<T: SchedLink> Sync for GQueue<T> {}

impl<T: SchedLink> Default for GQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: SchedLink> GQueue<T> {
    maybe_const_fn! {
        /// An empty queue.
        pub fn new() -> Self {
            Self { head: ptr::null_mut(), tail: ptr::null_mut(), size: 0, _owns: PhantomData }
        }
    }

    /// Whether the queue holds no G (Go: `empty`).
    pub fn is_empty(&self) -> bool {
        self.head.is_null()
    }

    /// Number of Gs in the queue (Go: `size`).
    pub fn len(&self) -> u32 {
        self.size
    }

    /// The first G, without removing it.
    pub fn head(&self) -> Option<NonNull<T>> {
        NonNull::new(self.head)
    }

    /// The last G, without removing it.
    pub fn tail(&self) -> Option<NonNull<T>> {
        NonNull::new(self.tail)
    }

    /// Adds `gp` at the head (Go: `push`).
    ///
    /// # Safety
    /// `gp` must obey the module's ownership rule: valid, and on no other
    /// list or queue, until this crate hands it back out.
    pub unsafe fn push(&mut self, gp: NonNull<T>) {
        set_link(gp, self.head);
        self.head = gp.as_ptr();
        if self.tail.is_null() {
            self.tail = gp.as_ptr();
        }
        self.size += 1;
    }

    /// Adds `gp` at the tail (Go: `pushBack`).
    ///
    /// # Safety
    /// As for [`GQueue::push`].
    pub unsafe fn push_back(&mut self, gp: NonNull<T>) {
        set_link(gp, ptr::null_mut());
        match NonNull::new(self.tail) {
            Some(tail) => set_link(tail, gp.as_ptr()),
            None => self.head = gp.as_ptr(),
        }
        self.tail = gp.as_ptr();
        self.size += 1;
    }

    /// Appends every G of `q2` at the tail, in order (Go: `pushBackAll`).
    pub fn push_back_all(&mut self, q2: GQueue<T>) {
        let Some(q2_tail) = NonNull::new(q2.tail) else {
            return;
        };
        set_link(q2_tail, ptr::null_mut());
        match NonNull::new(self.tail) {
            Some(tail) => set_link(tail, q2.head),
            None => self.head = q2.head,
        }
        self.tail = q2.tail;
        self.size += q2.size;
    }

    /// Removes and returns the head (Go: `pop`).
    pub fn pop(&mut self) -> Option<NonNull<T>> {
        let gp = NonNull::new(self.head)?;
        self.head = link_of(gp);
        if self.head.is_null() {
            self.tail = ptr::null_mut();
        }
        self.size -= 1;
        Some(gp)
    }

    /// Takes every G, head first, as a [`GList`] (Go: `popList`).
    pub fn pop_list(&mut self) -> GList<T> {
        let list = GList {
            head: self.head,
            size: self.size,
            _owns: PhantomData,
        };
        *self = GQueue::new();
        list
    }

    /// The Gs from head to tail, without removing them.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            next: self.head,
            left: self.size,
            _list: PhantomData,
        }
    }
}

/// A LIFO stack of Gs linked through `schedlink` (Go's `gList`): the free
/// lists use it.
pub struct GList<T: SchedLink> {
    head: *mut T,
    size: u32,
    _owns: PhantomData<NonNull<T>>,
}

// SAFETY: as for `GQueue`: the list holds its Gs exclusively and dereferences
// only their `schedlink` atomics.
unsafe impl<T: SchedLink> Send for GList<T> {}
// SAFETY: `&GList` only reads links (atomics).
unsafe impl<T: SchedLink> Sync for GList<T> {}

impl<T: SchedLink> Default for GList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: SchedLink> GList<T> {
    maybe_const_fn! {
        /// An empty list.
        pub fn new() -> Self {
            Self { head: ptr::null_mut(), size: 0, _owns: PhantomData }
        }
    }

    /// Whether the list holds no G (Go: `empty`).
    pub fn is_empty(&self) -> bool {
        self.head.is_null()
    }

    /// Number of Gs on the list (Go: `size`).
    pub fn len(&self) -> u32 {
        self.size
    }

    /// Adds `gp` on top (Go: `push`).
    ///
    /// # Safety
    /// As for [`GQueue::push`].
    pub unsafe fn push(&mut self, gp: NonNull<T>) {
        set_link(gp, self.head);
        self.head = gp.as_ptr();
        self.size += 1;
    }

    /// Puts every G of `q` on top, `q`'s head topmost (Go: `pushAll`).
    pub fn push_all(&mut self, q: GQueue<T>) {
        if let Some(q_tail) = NonNull::new(q.tail) {
            set_link(q_tail, self.head);
            self.head = q.head;
            self.size += q.size;
        }
    }

    /// Removes and returns the top G (Go: `pop`).
    pub fn pop(&mut self) -> Option<NonNull<T>> {
        let gp = NonNull::new(self.head)?;
        self.head = link_of(gp);
        self.size -= 1;
        Some(gp)
    }

    /// The Gs from top to bottom, without removing them.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            next: self.head,
            left: self.size,
            _list: PhantomData,
        }
    }
}

/// Walks a [`GQueue`] or [`GList`] without changing it.
pub struct Iter<'a, T: SchedLink> {
    next: *mut T,
    left: u32,
    _list: PhantomData<&'a T>,
}

impl<T: SchedLink> Iterator for Iter<'_, T> {
    type Item = NonNull<T>;

    fn next(&mut self) -> Option<NonNull<T>> {
        // The count bounds the walk as well as the null link: a corrupted
        // list (a G pushed twice) then ends instead of cycling forever.
        if self.left == 0 {
            return None;
        }
        let gp = NonNull::new(self.next)?;
        self.left -= 1;
        self.next = link_of(gp);
        Some(gp)
    }
}
