//! `test-procs`: with procs below the core count, never more Ms hold Ps
//! than procs.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use crate::prelude::*;
use crate::runtime::inspect::m;
use crate::runtime::inspect::sched;
use crate::workloads::common::ledger::Ledger;
use crate::workloads::common::wait;

/// With fewer Ps than cores, no more than `procs` Ms ever hold a P at once,
/// and the work still completes.
pub fn run() -> Verdict {
    let procs = sched::gomaxprocs() as usize;
    let cores = m::mcount();
    const GS: usize = 20_000;
    let ledger = Arc::new(Ledger::new(GS));
    let done = Arc::new(AtomicUsize::new(0));
    let worst = Arc::new(AtomicUsize::new(0));
    let ran_on = Arc::new(AtomicU32::new(0));
    for i in 0..GS {
        let (l, d, worst, ran_on) = (ledger.clone(), done.clone(), worst.clone(), ran_on.clone());
        go(move || {
            let holding = m::all()
                .iter()
                .filter(|mp| !mp.p.load(Ordering::Acquire).is_null())
                .count();
            worst.fetch_max(holding, Ordering::Relaxed);
            ran_on.fetch_or(1 << (this_m() % 32), Ordering::Relaxed);
            l.mark(i);
            d.fetch_add(1, Ordering::Release);
        });
    }
    wait::until_count(&done, GS);
    ledger.verify("procs")?;
    let worst = worst.load(Ordering::Relaxed);
    if worst > procs {
        return Err(format!("{worst} Ms held Ps at once with procs={procs}"));
    }
    kprintln!(
        "procs: gomaxprocs={procs} on {cores} cores; at most {worst} Ms held Ps at once; Gs ran on {} distinct Ms",
        ran_on.load(Ordering::Relaxed).count_ones()
    );
    Ok(())
}
