//! `test-deadlock`: a deliberate deadlock that `checkdead` must report.
use crate::prelude::*;

/// A deliberate deadlock: the main G waits on a channel nobody will ever
/// send on. `checkdead` must report it (this workload never returns).
pub fn run() -> Verdict {
    let c: Chan<u32> = Chan::new(0);
    let _ = c.recv();
    Err("a receive on an abandoned channel returned".into())
}
