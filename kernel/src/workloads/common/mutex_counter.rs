//! A Mutex-protected counter incremented from every P: `test-mutex`, and
//! part of `test-chan`.
use crate::prelude::*;
use crate::workloads::common::group::wg_go;

/// A Mutex-protected counter incremented from Gs on every P ends exact.
pub fn mutex_counter() -> Verdict {
    let procs = gomaxprocs(0) as usize;
    let gs = procs * 4;
    const INCS: u64 = 2_000;
    let counter = Arc::new(Mutex::new(0u64));
    let wg = Arc::new(WaitGroup::new());
    for _ in 0..gs {
        let counter = counter.clone();
        wg_go(&wg, move || {
            for i in 0..INCS {
                let mut c = counter.lock();
                *c += 1;
                if i % 64 == 0 {
                    // Hold the lock across a yield now and then: contention.
                    gosched();
                }
                drop(c);
            }
        });
    }
    wg.wait();
    let total = *counter.lock();
    if total != gs as u64 * INCS {
        return Err(format!(
            "mutex counter is {total}, expected {}",
            gs as u64 * INCS
        ));
    }
    kprintln!("mutex: {gs} Gs incremented a shared counter {INCS} times each: {total}, exact");
    Ok(())
}
