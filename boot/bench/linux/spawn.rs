//! Thread spawn + run + join, the OS-thread counterpart of `go f()` plus a
//! WaitGroup.
//!
//! Design note: `std::thread::spawn` is what a Rust user reaches for (a
//! pthread with a fresh mmap'd stack and guard page); the spawner is pinned
//! to one CPU and the child inherits it, as Go's spawn bench runs on one P.

use std::thread;
use std::time::{Duration, Instant};

use super::affinity;

/// `n` spawns of an empty thread, each joined before the next.
pub fn spawn_join(n: u64) -> Result<(Duration, u64), String> {
    let cpu = affinity::first_cpus(1)?[0];
    affinity::pin(cpu)?;
    let start = Instant::now();
    for _ in 0..n {
        thread::Builder::new()
            .spawn(|| {})
            .map_err(|e| format!("thread spawn: {e}"))?
            .join()
            .map_err(|_| "a spawned thread panicked".to_string())?;
    }
    Ok((start.elapsed(), n))
}
