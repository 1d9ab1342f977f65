//! Free-G lists: per-P (Go: `p.gFree`) and global (Go: `sched.gFree`).
//!
//! Design note: a dead G keeps its struct (and usually its stack) so the
//! next `go` statement reuses it instead of allocating. Each P keeps a small
//! private cache it touches without any lock; the global list, behind a
//! lock, only balances the caches: a P with too many dead Gs (≥ 64) gives
//! back down to fewer than 32, a P with none takes up to 32. The gap between
//! the two thresholds is the hysteresis that keeps a P that creates and
//! destroys Gs at a steady rate from taking the global lock on every call.
//!
//! The global list holds no lock itself: the kernel passes a closure that
//! takes its lock and returns the guard (anything that derefs to the list);
//! it is called only when the global list is actually needed.
//!
//! Go keeps two global lists, Gs with a stack and Gs without (it frees
//! non-standard stacks on `gfput`); this crate does not know about stacks,
//! so there is one global list, and the kernel decides what a G keeps.

use crate::glist::{GList, GQueue, SchedLink};
use crate::sync::maybe_const_fn;
use core::ops::DerefMut;
use core::ptr::NonNull;

/// `gfput` spills the local list once it holds this many Gs (Go: 64).
pub const GFREE_SPILL_AT: u32 = 64;
/// ... and spills while it holds at least this many, so 31 remain (Go: 32).
pub const GFREE_KEEP_BELOW: u32 = 32;
/// `gfget` refills an empty local list up to this many Gs (Go: 32).
pub const GFREE_REFILL: u32 = 32;

/// A list of dead Gs: the body of both the global list and a P's list.
pub struct GFreeList<T: SchedLink> {
    list: GList<T>,
}

impl<T: SchedLink> Default for GFreeList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: SchedLink> GFreeList<T> {
    maybe_const_fn! {
        /// An empty list.
        pub fn new() -> Self {
            Self { list: GList::new() }
        }
    }

    /// Number of free Gs held.
    pub fn len(&self) -> u32 {
        self.list.len()
    }

    /// Whether no free G is held.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The free Gs, top first (for a P's list: the next `gfget` returns the
    /// first).
    pub fn iter(&self) -> crate::glist::Iter<'_, T> {
        self.list.iter()
    }
}

/// The global free list (Go: `sched.gFree`): a plain list, kept behind a
/// lock by the kernel; only [`LocalGFree`] moves Gs in and out of it.
pub type GlobalGFree<T> = GFreeList<T>;

/// A P's private free list (Go: `p.gFree`): a list plus the balancing
/// against the global one.
pub struct LocalGFree<T: SchedLink>(GFreeList<T>);

impl<T: SchedLink> Default for LocalGFree<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: SchedLink> core::ops::Deref for LocalGFree<T> {
    type Target = GFreeList<T>;
    fn deref(&self) -> &GFreeList<T> {
        &self.0
    }
}

impl<T: SchedLink> LocalGFree<T> {
    maybe_const_fn! {
        /// An empty list.
        pub fn new() -> Self {
            Self(GFreeList::new())
        }
    }

    /// Puts dead `gp` on this P's list; if that makes 64, moves Gs to the
    /// global list until fewer than 32 remain (Go: `gfput`). `global` is
    /// called (to take the lock) only then.
    ///
    /// Context: owner P.
    ///
    /// # Safety
    /// `gp` must obey the ownership rule of [`crate::glist`].
    #[inline]
    pub unsafe fn gfput<G>(&mut self, gp: NonNull<T>, global: impl FnOnce() -> G)
    where
        G: DerefMut<Target = GlobalGFree<T>>,
    {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.0.list.push(gp) };
        if self.0.list.len() >= GFREE_SPILL_AT {
            // Unlink outside the lock (as Go): each G popped goes on the
            // head of the batch, the batch then on top of the global list.
            let mut batch = GQueue::new();
            while self.0.list.len() >= GFREE_KEEP_BELOW {
                let g = self
                    .0
                    .list
                    .pop()
                    .expect("gfput: list shorter than its size");
                // SAFETY: `g` was inside this crate and stays inside.
                unsafe { batch.push(g) };
            }
            global().list.push_all(batch);
        }
    }

    /// Takes a free G: from this P's list, after refilling it with up to 32
    /// Gs from the global list if it is empty (Go: `gfget`). `None`: no free
    /// G anywhere; the caller allocates a new one.
    ///
    /// `global` is called only when the local list is empty; it locks the
    /// global list and returns the guard, or returns `None` to skip the
    /// refill — Go skips the lock when a lock-free peek shows the global
    /// list empty, and the kernel can do the same peek in this closure.
    ///
    /// Context: owner P.
    pub fn gfget<G>(&mut self, global: impl FnOnce() -> Option<G>) -> Option<NonNull<T>>
    where
        G: DerefMut<Target = GlobalGFree<T>>,
    {
        if self.0.list.is_empty()
            && let Some(mut global) = global()
        {
            while self.0.list.len() < GFREE_REFILL {
                let Some(g) = global.list.pop() else { break };
                // SAFETY: `g` was inside this crate and stays inside.
                unsafe { self.0.list.push(g) };
            }
        }
        self.0.list.pop()
    }

    /// Moves every G of this P's list to the global list, e.g. when the P is
    /// destroyed (Go: `gfpurge`).
    ///
    /// Context: owner P (or the world stopped).
    pub fn gfpurge(&mut self, global: &mut GlobalGFree<T>) {
        let mut batch = GQueue::new();
        while let Some(g) = self.0.list.pop() {
            // SAFETY: `g` was inside this crate and stays inside.
            unsafe { batch.push(g) };
        }
        global.list.push_all(batch);
    }
}
