//! The decisions of Go's `sync.Mutex`, as pure functions of its state word.
//!
//! The state is one 32-bit word: `MUTEX_LOCKED`, `MUTEX_WOKEN` (a goroutine
//! is awake and trying to lock, so `Unlock` need not wake another),
//! `MUTEX_STARVING`, and above them (`<< MUTEX_WAITER_SHIFT`) the number of
//! goroutines counted as waiting on the semaphore. Every change is a CAS or
//! an atomic add on that word; the kernel performs them and the semaphore
//! operations ([`crate::sema::Sema`]), and asks this module what to do
//! next. Each function here is one step of `lockSlow` / `unlockSlow`, so the
//! interleavings can be enumerated on the host (see the tests' model).
//!
//! Why two modes. *Normal mode* lets a running goroutine barge: it may take
//! the lock from under a woken waiter, because it is already on a CPU (and
//! may spin a little for it, if other Ps are busy and its own run queue is
//! empty, so spinning wastes nothing). That keeps throughput high. The cost
//! is that a woken waiter can lose again and again; so a waiter that has
//! waited more than `STARVATION_THRESHOLD_NS` (1 ms) sets
//! `MUTEX_STARVING`. In *starvation mode* `Unlock` hands ownership straight
//! to the head waiter (semaphore hand-off; `MUTEX_LOCKED` stays clear but
//! newcomers see `MUTEX_STARVING`, neither spin nor take the lock, and queue
//! at the tail). The mode ends as soon as the waiter that receives the lock
//! is the last one or waited under 1 ms: starvation mode is slow, and two
//! goroutines could otherwise stay in lock-step in it forever.
//!
//! Driving it (what `Lock` is, in the kernel):
//!
//! 1. Fast path: CAS `LOCK_FAST.0 → LOCK_FAST.1`; done if it succeeds.
//! 2. `let mut s = LockSlow::new(); let mut old = state.load();` then loop:
//!    `s.step(old, spin)`:
//!    - `Spin { set_woken }`: if `Some(new)`, CAS `old → new`; call
//!      [`LockSlow::spun`] with whether that CAS succeeded; spin
//!      `ACTIVE_SPIN_CNT` pauses; `old = state.load()`; loop.
//!    - `Cas { new }`: CAS `old → new`. On failure `old = state.load()`,
//!      loop. On success [`LockSlow::cas_succeeded`]: `Acquired` → done;
//!      `Sleep { lifo }` → semacquire (lifo), then `old = state.load()`
//!      and [`LockSlow::woke`]: `Acquired { delta }` → `state.fetch_add
//!      (delta)` (wrapping), done; `Retry` → loop with that `old`.
//!
//! `Unlock`: `new = state.fetch_sub(MUTEX_LOCKED) - MUTEX_LOCKED`; if
//! `new != 0`, [`unlock_slow`]`(new)`: `Done`; `Handoff` → semrelease
//! (handoff); `Wake { new: n }` → CAS `new → n`, on success semrelease (no
//! handoff), on failure `old = state.load()` and [`unlock_retry`]`(old)`.

/// The mutex is held (or, with `MUTEX_STARVING`, being handed off).
pub const MUTEX_LOCKED: u32 = 1;
/// A goroutine is awake in `lockSlow`; `Unlock` need not wake another.
pub const MUTEX_WOKEN: u32 = 2;
/// Starvation mode: ownership passes by hand-off only.
pub const MUTEX_STARVING: u32 = 4;
/// The waiter count is the state shifted right by this.
pub const MUTEX_WAITER_SHIFT: u32 = 3;
/// A waiter that waited longer than this switches to starvation mode (1 ms).
pub const STARVATION_THRESHOLD_NS: u64 = 1_000_000;
/// Go's `active_spin`: at most this many spin rounds per wait.
pub const ACTIVE_SPIN: u32 = 4;
/// Go's `active_spin_cnt`: PAUSE instructions per spin round.
pub const ACTIVE_SPIN_CNT: u32 = 30;
/// `Lock`'s fast path: CAS from `.0` to `.1`.
pub const LOCK_FAST: (u32, u32) = (0, MUTEX_LOCKED);

const ONE_WAITER: u32 = 1 << MUTEX_WAITER_SHIFT;

/// Goroutines counted as waiters in `state`.
pub const fn waiters(state: u32) -> u32 {
    state >> MUTEX_WAITER_SHIFT
}

/// `TryLock`: the state to CAS `old` to, or `None` if the mutex is held or
/// starving (a hand-off is in progress; taking it would barge).
pub fn try_lock(old: u32) -> Option<u32> {
    (old & (MUTEX_LOCKED | MUTEX_STARVING) == 0).then_some(old | MUTEX_LOCKED)
}

/// What `sync_runtime_canSpin` looks at besides the iteration count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpinEnv {
    /// CPUs (Go's `ncpu`).
    pub ncpu: u32,
    /// Ps (Go's `gomaxprocs`).
    pub gomaxprocs: u32,
    /// Idle Ps (`sched.npidle`).
    pub npidle: u32,
    /// Spinning Ms (`sched.nmspinning`).
    pub nmspinning: u32,
    /// Whether the current P's local run queue is empty.
    pub runq_empty: bool,
}

/// Go's `sync_runtime_canSpin`: spin only a few rounds, only on a multicore
/// machine, only if some other P is running (someone may unlock soon) and
/// nothing waits in our own run queue (spinning would delay it).
pub fn can_spin(iter: u32, env: &SpinEnv) -> bool {
    iter < ACTIVE_SPIN
        && env.ncpu > 1
        && env.gomaxprocs > env.npidle + env.nmspinning + 1
        && env.runq_empty
}

/// `lockSlow`'s local variables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LockSlow {
    wait_start: Option<u64>,
    starving: bool,
    awoke: bool,
    iter: u32,
}

/// The next move of `lockSlow` for an observed state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockStep {
    /// Spin one round. First, if `Some(new)`, try CAS `old → new` (sets
    /// `MUTEX_WOKEN` so `Unlock` wakes nobody while we are awake); report
    /// with [`LockSlow::spun`].
    Spin { set_woken: Option<u32> },
    /// CAS `old → new`; on success call [`LockSlow::cas_succeeded`].
    Cas { new: u32 },
}

/// After `lockSlow`'s CAS succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterCas {
    /// The CAS took the lock.
    Acquired,
    /// The CAS counted us as a waiter: semacquire, at the queue's front if
    /// `lifo` (we had waited before).
    Sleep { lifo: bool },
}

/// After the semaphore let us go and we reloaded the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterWake {
    /// Starvation mode handed us the lock: `fetch_add(delta)` (wrapping;
    /// it sets `MUTEX_LOCKED`, drops our waiter count and maybe
    /// `MUTEX_STARVING`). We own the mutex.
    Acquired { delta: u32 },
    /// Normal mode: compete again (`step` with the reloaded state).
    Retry,
}

impl LockSlow {
    /// The locals at `lockSlow`'s entry.
    pub const fn new() -> Self {
        LockSlow {
            wait_start: None,
            starving: false,
            awoke: false,
            iter: 0,
        }
    }

    /// Spin rounds since entry or the last wake-up.
    pub fn iter(&self) -> u32 {
        self.iter
    }

    /// Whether this goroutine owns `MUTEX_WOKEN` and must clear it.
    pub fn awoke(&self) -> bool {
        self.awoke
    }

    /// Whether this goroutine has waited past the starvation threshold.
    pub fn starving(&self) -> bool {
        self.starving
    }

    /// When it first went to sleep, if it has.
    pub fn wait_start(&self) -> Option<u64> {
        self.wait_start
    }

    /// One pass of `lockSlow`'s loop for the observed state `old`.
    /// `can_spin(iter)` is asked only when spinning is possible at all
    /// (locked, normal mode); pass [`can_spin`] with the current [`SpinEnv`].
    pub fn step(&self, old: u32, can_spin: impl FnOnce(u32) -> bool) -> LockStep {
        if old & (MUTEX_LOCKED | MUTEX_STARVING) == MUTEX_LOCKED && can_spin(self.iter) {
            let worth_waking = !self.awoke && old & MUTEX_WOKEN == 0 && waiters(old) != 0;
            return LockStep::Spin {
                set_woken: worth_waking.then_some(old | MUTEX_WOKEN),
            };
        }
        let mut new = old;
        if old & MUTEX_STARVING == 0 {
            new |= MUTEX_LOCKED;
        }
        if old & (MUTEX_LOCKED | MUTEX_STARVING) != 0 {
            new = new
                .checked_add(ONE_WAITER)
                .expect("sync: mutex waiter count overflow");
        }
        // Switch to starvation only while locked: Unlock expects a
        // starving mutex to have waiters.
        if self.starving && old & MUTEX_LOCKED != 0 {
            new |= MUTEX_STARVING;
        }
        if self.awoke {
            assert!(new & MUTEX_WOKEN != 0, "sync: inconsistent mutex state");
            new &= !MUTEX_WOKEN;
        }
        LockStep::Cas { new }
    }

    /// After a `Spin`: `woken_set` tells whether the `set_woken` CAS
    /// succeeded.
    pub fn spun(&mut self, woken_set: bool) {
        self.awoke |= woken_set;
        self.iter += 1;
    }

    /// After a successful `Cas` from `old`, at time `now` (ns).
    pub fn cas_succeeded(&mut self, old: u32, now: u64) -> AfterCas {
        if old & (MUTEX_LOCKED | MUTEX_STARVING) == 0 {
            return AfterCas::Acquired;
        }
        let lifo = self.wait_start.is_some();
        self.wait_start.get_or_insert(now);
        AfterCas::Sleep { lifo }
    }

    /// Back from the semaphore at time `now`, having reloaded `old`.
    pub fn woke(&mut self, old: u32, now: u64) -> AfterWake {
        let start = self.wait_start.expect("mutexstate: woke without sleeping");
        self.starving = self.starving || now.saturating_sub(start) > STARVATION_THRESHOLD_NS;
        if old & MUTEX_STARVING == 0 {
            self.awoke = true;
            self.iter = 0;
            return AfterWake::Retry;
        }
        assert!(
            old & (MUTEX_LOCKED | MUTEX_WOKEN) == 0 && waiters(old) != 0,
            "sync: inconsistent mutex state"
        );
        let mut delta = MUTEX_LOCKED.wrapping_sub(ONE_WAITER);
        if !self.starving || waiters(old) == 1 {
            // Leave starvation mode here, where the wait time is known.
            delta = delta.wrapping_sub(MUTEX_STARVING);
        }
        AfterWake::Acquired { delta }
    }
}

/// What `unlockSlow` does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnlockStep {
    /// Nobody needs waking: no waiters, or someone is already awake, or the
    /// lock was retaken, or a hand-off is someone else's job.
    Done,
    /// CAS `old → new` (one waiter fewer, `MUTEX_WOKEN` set); on success
    /// semrelease without hand-off, on failure reload and [`unlock_retry`].
    Wake { new: u32 },
    /// Starvation mode: semrelease with hand-off to the head waiter.
    Handoff,
}

/// `unlockSlow(new)`, where `new` is the state just after `Unlock`'s
/// `fetch_sub(MUTEX_LOCKED)` (non-zero). Panics on unlock of an unlocked
/// mutex.
pub fn unlock_slow(new: u32) -> UnlockStep {
    assert!(
        new.wrapping_add(MUTEX_LOCKED) & MUTEX_LOCKED != 0,
        "sync: unlock of unlocked mutex"
    );
    if new & MUTEX_STARVING != 0 {
        return UnlockStep::Handoff;
    }
    unlock_retry(new)
}

/// One pass of `unlockSlow`'s normal-mode loop for the observed `old`.
pub fn unlock_retry(old: u32) -> UnlockStep {
    if waiters(old) == 0 || old & (MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING) != 0 {
        return UnlockStep::Done;
    }
    UnlockStep::Wake {
        new: (old - ONE_WAITER) | MUTEX_WOKEN,
    }
}

#[cfg(test)]
mod model;
#[cfg(test)]
mod tests;
