//! The semaphore under `sync.Mutex` (and `WaitGroup`): Go's `semacquire1`
//! / `semrelease1` for one address, as a counter plus a queue of parked
//! waiters.
//!
//! Why a count *and* a queue: a release may come before the waiter it is
//! meant for has parked (the mutex's waiter count is bumped by a CAS, the
//! waiter reaches the semaphore a moment later). The release then leaves a
//! unit in the count and the late waiter takes it without parking: no
//! wakeup is lost, whatever the interleaving.
//!
//! Why LIFO as well as FIFO: a mutex waiter that was woken but lost the
//! race for the lock re-queues at the *front* (`lifo = true`), so one
//! unlucky goroutine does not go back behind every newcomer.
//!
//! Why hand-off: in starvation mode the mutex wants the unit to go to the
//! head waiter and nobody else. `release(handoff = true)` consumes the unit
//! on the woken waiter's behalf (Go's `s.ticket = 1`): it wakes owning it.
//! Without hand-off the woken waiter must take the unit itself when it runs
//! ([`Sema::woken`]) and may find it gone, and queue again.
//!
//! Go keeps the count in the user's word and the waiters in a global treap
//! keyed by address, and its fast paths avoid the treap lock. Here the
//! kernel keeps one `Sema` per semaphore under one spinlock, so every
//! method is one atomic step; the waiter must park with the lock released
//! atomically (gopark's unlock function), exactly as Go's `goparkunlock`.

use alloc::collections::VecDeque;

/// A counting semaphore's state: free units and parked waiters.
pub struct Sema<W> {
    count: u32,
    waiters: VecDeque<W>,
}

/// A waiter made runnable by [`Sema::release`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Woken<W> {
    /// Who to `goready`.
    pub waiter: W,
    /// Go's `ticket`: the unit was handed to this waiter; it owns it.
    pub ticket: bool,
}

impl<W> Default for Sema<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> Sema<W> {
    /// No unit, no waiter.
    pub const fn new() -> Self {
        Self::with_units(0)
    }

    /// `n` free units, no waiter.
    pub const fn with_units(n: u32) -> Self {
        Sema {
            count: n,
            waiters: VecDeque::new(),
        }
    }

    /// Free units.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Parked waiters (Go's `nwait`).
    pub fn nwait(&self) -> usize {
        self.waiters.len()
    }

    /// The parked waiters, next to be woken first.
    pub fn waiters(&self) -> impl Iterator<Item = &W> + '_ {
        self.waiters.iter()
    }

    /// Go's `cansemacquire`: takes a unit if one is free.
    pub fn try_acquire(&mut self) -> bool {
        if self.count == 0 {
            return false;
        }
        self.count -= 1;
        true
    }

    /// `semacquire1` under the lock: takes a unit (true), or queues `w` —
    /// at the front if `lifo`, else at the back — and the caller parks
    /// (false).
    pub fn acquire(&mut self, w: W, lifo: bool) -> bool {
        if self.try_acquire() {
            return true;
        }
        if lifo {
            self.waiters.push_front(w);
        } else {
            self.waiters.push_back(w);
        }
        false
    }

    /// `semrelease1`: adds a unit and wakes the first waiter, if any; with
    /// `handoff` the unit is passed to that waiter at once.
    pub fn release(&mut self, handoff: bool) -> Option<Woken<W>> {
        self.count = self.count.checked_add(1).expect("sema: count overflow");
        let waiter = self.waiters.pop_front()?;
        let ticket = handoff && self.try_acquire();
        Some(Woken { waiter, ticket })
    }

    /// The woken waiter, running again: true if it now holds a unit (its
    /// ticket, or a unit still free); false if another took it first — the
    /// waiter then calls [`Sema::acquire`] again.
    pub fn woken(&mut self, ticket: bool) -> bool {
        ticket || self.try_acquire()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn units_given_at_creation_are_taken_without_waiting() {
        // worldsema: one unit, one stopper at a time.
        let mut s: Sema<u32> = Sema::with_units(1);
        assert!(s.acquire(1, false));
        assert!(!s.acquire(2, false), "the second acquirer must wait");
        assert_eq!(s.nwait(), 1);
        assert_eq!(s.release(false).map(|w| w.waiter), Some(2));
    }

    #[test]
    fn release_before_acquire_is_not_lost() {
        let mut s = Sema::new();
        assert_eq!(s.release(false), None);
        assert_eq!(s.count(), 1);
        assert!(
            s.acquire('a', false),
            "the early unit is taken without parking"
        );
        assert_eq!((s.count(), s.nwait()), (0, 0));
    }

    #[test]
    fn fifo_with_lifo_requeue_at_front() {
        let mut s = Sema::new();
        for w in ['a', 'b', 'c'] {
            assert!(!s.acquire(w, false));
        }
        assert!(!s.acquire('z', true));
        assert_eq!(
            s.waiters().copied().collect::<Vec<_>>(),
            ['z', 'a', 'b', 'c']
        );
        let order: Vec<char> = (0..4).map(|_| s.release(true).unwrap().waiter).collect();
        assert_eq!(order, ['z', 'a', 'b', 'c']);
        assert_eq!(s.count(), 0, "every hand-off consumed its unit");
    }

    /// Releases `s`, whose head waiter is 1, with or without a hand-off:
    /// 1 is woken, and holds the ticket (owns the unit) only if handed it.
    fn release_head(s: &mut Sema<i32>, handoff: bool) -> Woken<i32> {
        let w = s.release(handoff).unwrap();
        assert_eq!(
            w,
            Woken {
                waiter: 1,
                ticket: handoff
            }
        );
        w
    }

    #[test]
    fn handoff_gives_the_unit_to_the_head_waiter() {
        let mut s = Sema::new();
        s.acquire(1, false);
        s.acquire(2, false);
        let w = release_head(&mut s, true);
        // A newcomer cannot take the handed-off unit.
        assert!(!s.try_acquire());
        assert!(s.woken(w.ticket));
    }

    #[test]
    fn without_handoff_a_newcomer_can_take_the_unit_first() {
        let mut s = Sema::new();
        s.acquire(1, false);
        let w = release_head(&mut s, false);
        assert!(s.acquire(2, false), "barging newcomer takes the unit");
        assert!(!s.woken(w.ticket), "the woken waiter finds it gone");
        assert!(!s.acquire(1, true));
        assert_eq!(s.waiters().copied().collect::<Vec<_>>(), [1]);
    }
}
