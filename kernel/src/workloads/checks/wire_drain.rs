//! `test-wire-drain`: a G readied onto a wired core's P, and left there
//! when the wired G waits, still runs.
//!
//! The hand-off this repeats: the wired G `W` readies the plain G `U` (into
//! its own P's `runnext`), then waits; its M keeps its P and moves `U` to
//! the global queue (`wire::wait_for_wired`), then calls `wakep`. Meanwhile
//! `U`'s old M ran dry, spun, and is giving its P up. If it was the one
//! spinner, `wakep` sees it counted and wakes nobody — so the spinner must
//! look at the global queue once more after it stops counting itself
//! (Go's `findRunnable` does, after `nmspinning.Add(-1)`). Without that
//! look, `U` sat in the global queue with one core halted in
//! `wait_for_wired` and the other parked: a hang, found by a CI run of
//! `bench=chan-pingpong-2p` on 2 cores (2026-12-07) and here made to
//! happen on purpose (`explore --workload test-wire-drain`, chaos widening
//! the window).

use crate::prelude::*;

const ROUNDS: u32 = 2_000;

pub fn run() -> Verdict {
    if gomaxprocs(0) < 2 {
        return Err(format!(
            "test-wire-drain needs procs >= 2 (got {})",
            gomaxprocs(0)
        ));
    }
    let to_wired: Chan<u32> = Chan::new(0);
    let to_plain: Chan<u32> = Chan::new(0);
    let done: Chan<u32> = Chan::new(1);
    {
        let (to_wired, to_plain, done) = (to_wired.clone(), to_plain.clone(), done.clone());
        go(move || {
            let home = wire();
            // Each round: readied by the plain G, ready it back, wait again.
            while let Some(v) = to_wired.recv() {
                to_plain.send(v);
            }
            unwire();
            done.send(home);
        });
    }
    for i in 0..ROUNDS {
        to_wired.send(i);
        match to_plain.recv() {
            Some(v) if v == i => {}
            other => return Err(format!("round {i}: got {other:?} back")),
        }
    }
    to_wired.close();
    let home = done.recv().ok_or("the wired G did not report")?;
    kprintln!(
        "wire-drain: {ROUNDS} hand-offs through a G wired to M{home}, each leaving the plain G in the global queue"
    );
    Ok(())
}
