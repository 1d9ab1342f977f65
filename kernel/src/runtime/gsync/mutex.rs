//! `Mutex` — Go's `sync.Mutex`: spin briefly, then park; starvation mode
//! against unfair barging.
//!
//! The decisions (which bit to set, when to spin, when to enter or leave
//! starvation mode, what to add on a hand-off) are the pure state machine in
//! `gmp_sched::mutexstate`, exhaustively model-checked on the host; this
//! file performs them on a real atomic word and a real semaphore of parked
//! Gs (`gmp_sched::sema` under an interrupt-safe lock, parking with
//! `goparkunlock`). `Once` is built on it.

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use gmp_sched::mutexstate::{
    self, ACTIVE_SPIN_CNT, AfterCas, AfterWake, LOCK_FAST, LockSlow, LockStep, SpinEnv, UnlockStep,
};

use crate::runtime::objects::g::WaitReason;
use crate::runtime::objects::m;
use crate::runtime::objects::sched::{SCHED, gomaxprocs};
use crate::runtime::scheduler::sema::Semaphore;
use crate::runtime::scheduler::time;

/// Nanoseconds Gs spent parked in [`Mutex::lock`], from the park's
/// decision to the wake-up, summed over every wait (Go samples one wait in
/// eight for `/sync/mutex/wait/total:seconds`; here the two `nanotime`
/// reads were already on this slow path, so every wait is counted). A
/// locked add, but only after a park, which costs far more.
pub static WAIT_NS: AtomicU64 = AtomicU64::new(0);

/// Go's `sync.Mutex`, holding a `T`.
pub struct Mutex<T> {
    state: AtomicU32,
    sema: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the data is only reached through a guard, which exists only while
// the lock is held.
unsafe impl<T: Send> Sync for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Mutex<T> {}

/// Holds a [`Mutex`] locked.
pub struct MutexGuard<'a, T> {
    m: &'a Mutex<T>,
}

fn spin_env() -> SpinEnv {
    // Interrupts off while reading this M's P: with them on, the G could
    // move to another core between the two loads (see `g::getg`).
    let were = crate::arch::cpu::interrupts_disable_save();
    let runq_empty = crate::runtime::objects::m::this_m()
        .p()
        .is_none_or(|pp| pp.runq.runqempty());
    crate::arch::cpu::interrupts_restore(were);
    SpinEnv {
        ncpu: m::mcount() as u32,
        gomaxprocs: gomaxprocs(),
        npidle: SCHED.npidle.load(Ordering::Relaxed),
        nmspinning: SCHED.nmspinning.load(Ordering::Relaxed),
        runq_empty,
    }
}

impl<T> Mutex<T> {
    /// An unlocked mutex.
    pub const fn new(v: T) -> Self {
        Mutex {
            state: AtomicU32::new(0),
            sema: Semaphore::new(),
            data: UnsafeCell::new(v),
        }
    }

    /// Lock, spinning briefly and then parking (Go's `Lock`).
    pub fn lock(&self) -> MutexGuard<'_, T> {
        crate::runtime::scheduler::preempt::check_preempt();
        if self
            .state
            .compare_exchange(
                LOCK_FAST.0,
                LOCK_FAST.1,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_err()
        {
            self.lock_slow();
        }
        MutexGuard { m: self }
    }

    /// Lock if free and not being handed off (Go's `TryLock`).
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let old = self.state.load(Ordering::Relaxed);
        let new = mutexstate::try_lock(old)?;
        self.state
            .compare_exchange(old, new, Ordering::Acquire, Ordering::Relaxed)
            .ok()?;
        Some(MutexGuard { m: self })
    }

    fn lock_slow(&self) {
        let mut s = LockSlow::new();
        let mut old = self.state.load(Ordering::Relaxed);
        loop {
            match s.step(old, |iter| mutexstate::can_spin(iter, &spin_env())) {
                LockStep::Spin { set_woken } => {
                    let ok = set_woken.is_some_and(|new| {
                        self.state
                            .compare_exchange(old, new, Ordering::Relaxed, Ordering::Relaxed)
                            .is_ok()
                    });
                    s.spun(ok);
                    for _ in 0..ACTIVE_SPIN_CNT {
                        core::hint::spin_loop();
                    }
                    old = self.state.load(Ordering::Relaxed);
                }
                LockStep::Cas { new } => match self.state.compare_exchange(
                    old,
                    new,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Err(cur) => old = cur,
                    Ok(_) => {
                        let now = time::nanotime();
                        match s.cas_succeeded(old, now) {
                            AfterCas::Acquired => return,
                            AfterCas::Sleep { lifo } => {
                                self.sema.acquire(lifo, WaitReason::SyncMutexLock);
                                old = self.state.load(Ordering::Relaxed);
                                let woke = time::nanotime();
                                WAIT_NS.fetch_add(woke.saturating_sub(now), Ordering::Relaxed);
                                match s.woke(old, woke) {
                                    AfterWake::Acquired { delta } => {
                                        self.state.fetch_add(delta, Ordering::Acquire);
                                        return;
                                    }
                                    AfterWake::Retry => {}
                                }
                            }
                        }
                    }
                },
            }
        }
    }

    fn unlock(&self) {
        let new = self
            .state
            .fetch_sub(mutexstate::MUTEX_LOCKED, Ordering::Release)
            - mutexstate::MUTEX_LOCKED;
        if new == 0 {
            return;
        }
        let mut step = mutexstate::unlock_slow(new);
        let mut cur = new;
        loop {
            match step {
                UnlockStep::Done => return,
                UnlockStep::Handoff => {
                    self.sema.release(true);
                    return;
                }
                UnlockStep::Wake { new } => {
                    match self.state.compare_exchange(
                        cur,
                        new,
                        Ordering::Release,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => {
                            self.sema.release(false);
                            return;
                        }
                        Err(now) => {
                            cur = now;
                            step = mutexstate::unlock_retry(now);
                        }
                    }
                }
            }
        }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held.
        unsafe { &*self.m.data.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held, exclusively.
        unsafe { &mut *self.m.data.get() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.m.unlock();
    }
}

/// Go's `sync.Once`: run `f` exactly once; later callers wait for it.
pub struct Once {
    done: AtomicBool,
    m: Mutex<()>,
}

impl Default for Once {
    fn default() -> Self {
        Self::new()
    }
}

impl Once {
    /// Not yet run.
    pub const fn new() -> Self {
        Once {
            done: AtomicBool::new(false),
            m: Mutex::new(()),
        }
    }

    /// Run `f` if no call has run it yet.
    pub fn call_once(&self, f: impl FnOnce()) {
        if self.done.load(Ordering::Acquire) {
            return;
        }
        let _g = self.m.lock();
        if !self.done.load(Ordering::Relaxed) {
            f();
            self.done.store(true, Ordering::Release);
        }
    }
}
