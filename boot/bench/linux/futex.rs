//! Two threads passing a turn back and forth: with futex wait/wake (what a
//! mutex or channel between OS threads comes down to) or by spinning on
//! `sched_yield` (the OS-thread analogue of `Gosched`).
//!
//! Design note: the turn is one atomic word; a thread waits until it holds
//! its own id, then hands the word to the other and (futex case) wakes it.
//! Each thread does half of the hand-offs, and the clock runs from the
//! moment both are pinned and ready to the moment both are done.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::affinity;

/// How a thread waits for its turn.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// `FUTEX_WAIT` until woken by the other's `FUTEX_WAKE`.
    Futex,
    /// `sched_yield` until the turn is ours.
    Yield,
}

fn futex_wait(word: &AtomicU32, expected: u32) {
    // SAFETY: FUTEX_WAIT reads the aligned u32 behind `word`, which lives
    // for the call; a spurious or early return is handled by the caller's
    // loop.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
            expected,
            std::ptr::null::<libc::timespec>(),
        );
    }
}

fn futex_wake(word: &AtomicU32) {
    // SAFETY: FUTEX_WAKE only uses the address as a key.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            1,
        );
    }
}

/// One side of the ping-pong: `rounds` hand-offs from `me` to the other.
fn side(turn: &AtomicU32, me: u32, rounds: u64, wait: Wait) {
    let other = 1 - me;
    for _ in 0..rounds {
        while turn.load(Ordering::Acquire) != me {
            match wait {
                Wait::Futex => futex_wait(turn, other),
                // SAFETY: sched_yield has no preconditions.
                Wait::Yield => unsafe {
                    libc::sched_yield();
                },
            }
        }
        turn.store(other, Ordering::Release);
        if wait == Wait::Futex {
            futex_wake(turn);
        }
    }
}

/// `n` one-way hand-offs (rounded down to even) between two threads on
/// `cpus` CPUs (1 or 2): the time and the number of hand-offs done.
pub fn pingpong(n: u64, wait: Wait, cpus: usize) -> Result<(Duration, u64), String> {
    let cpus = affinity::first_cpus(cpus)?;
    let (a, b) = (cpus[0], *cpus.last().unwrap_or(&cpus[0]));
    let rounds = n / 2;
    let turn = AtomicU32::new(0);
    let ready = Barrier::new(2);
    affinity::pin(a)?;
    thread::scope(|s| {
        let other = s.spawn(|| {
            affinity::pin(b)?;
            ready.wait();
            side(&turn, 1, rounds, wait);
            Ok::<(), String>(())
        });
        ready.wait();
        let start = Instant::now();
        side(&turn, 0, rounds, wait);
        let joined = other
            .join()
            .map_err(|_| "the other thread panicked".to_string());
        let took = start.elapsed();
        joined??;
        Ok((took, 2 * rounds))
    })
}
