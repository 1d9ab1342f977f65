//! `mutex`: Gs on every P increment one counter under a runtime `Mutex`
//! (Go's `sync.Mutex`: a fast CAS, then a short spin, then parking on a
//! semaphore; after 1 ms of waiting a waiter switches the lock to
//! starvation mode, where `Unlock` hands the lock straight to it).
//!
//! The demo counts the `lock()` calls that found the lock held (a failed
//! `try_lock` first) and, with a sampler G, how many Gs it saw parked in
//! `sync.Mutex.Lock` at once. The holder yields now and then while holding
//! the lock, which makes the others queue up and park.
//!
//! What to look for: with `--schedtrace 5 --scheddetail`, Gs in status 4
//! (waiting) with reason `sync.Mutex.Lock`; the final counter is exact.

use crate::prelude::*;
use crate::workloads::common::group::wg_go;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Gs per P.
const GS_PER_P: usize = 4;
/// Increments per G.
const INCS: u64 = 1_000;

/// Run the demo.
pub fn run() -> Verdict {
    let gs = gomaxprocs(0) as usize * GS_PER_P;
    let counter = Arc::new(Mutex::new(0u64));
    let contended = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let most_parked = Arc::new(AtomicUsize::new(0));
    let samples = Arc::new(AtomicU64::new(0));
    let sampler_done = Arc::new(WaitGroup::new());
    {
        let (stop, most, samples) = (stop.clone(), most_parked.clone(), samples.clone());
        wg_go(&sampler_done, move || {
            while !stop.load(Ordering::Relaxed) {
                let parked = num_waiting(WaitReason::SyncMutexLock);
                most.fetch_max(parked, Ordering::Relaxed);
                samples.fetch_add(1, Ordering::Relaxed);
                sleep(MS);
            }
        });
    }
    let wg = Arc::new(WaitGroup::new());
    for _ in 0..gs {
        let (counter, contended) = (counter.clone(), contended.clone());
        wg_go(&wg, move || {
            for i in 0..INCS {
                let mut c = match counter.try_lock() {
                    Some(c) => c,
                    None => {
                        contended.fetch_add(1, Ordering::Relaxed);
                        counter.lock()
                    }
                };
                *c += 1;
                if i % 16 == 0 {
                    gosched();
                }
                drop(c);
            }
        });
    }
    wg.wait();
    stop.store(true, Ordering::Relaxed);
    sampler_done.wait();
    let total = *counter.lock();
    let want = gs as u64 * INCS;
    kprintln!(
        "mutex: {gs} Gs x {INCS} increments = {total} (expected {want}); {} of {want} lock() calls found it held; up to {} Gs seen parked on it at once ({} samples)",
        contended.load(Ordering::Relaxed),
        most_parked.load(Ordering::Relaxed),
        samples.load(Ordering::Relaxed)
    );
    if total != want {
        return Err(format!("the counter is {total}, expected {want}"));
    }
    Ok(())
}
