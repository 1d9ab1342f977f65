//! Workloads: what the main G runs, chosen by the boot option `workload=`.
//!
//! Demo workloads show the scheduler at work; `test-*` workloads are the
//! kernel side of the QEMU tests in `tests/`: each checks its own result
//! (ledgers, not counts) and returns an error naming the first thing that
//! went wrong.

use alloc::string::String;

mod bench;
mod demos;
mod experiments;
pub mod faults;
mod getg_migration;
mod leak;
pub mod ledger;
mod producer_consumer;
mod runnext_latency;
mod sched4;
mod selftest;
mod spinning_rounds;
mod timeslice;
pub mod torture;
pub mod wait;

/// A workload's verdict.
pub type Verdict = Result<(), String>;

/// Fails a workload that only makes sense with exactly `n` Ps.
fn need_procs(n: u32) -> Verdict {
    let p = crate::runtime::sched::gomaxprocs();
    if p != n {
        return Err(alloc::format!("this workload needs procs={n} (got {p})"));
    }
    Ok(())
}

/// Run the workload called `name` on the main G.
pub fn run(name: &str) -> Verdict {
    match name {
        "boot" => Ok(()),
        "producer-consumer" => producer_consumer::run(),
        "sieve" => demos::sieve::run(),
        "fib" => demos::fib::run(),
        "pingpong" => demos::pingpong::run(),
        "hog" => demos::hog::run(),
        "sleepers" => demos::sleepers::run(),
        "syscall" => demos::syscall::run(),
        "mutex" => demos::mutex::run(),
        "bench" => bench::run(),
        "test-ledger" => selftest::ledger_waves_and_trees(),
        "test-parallelism" => selftest::parallelism(),
        "test-yield" => selftest::yield_heavy(),
        "test-procs" => selftest::procs_below_cores(),
        "test-hog" => sched4::hog(),
        "test-pingponghog" => sched4::ping_pong_hog(),
        "test-sleep" => sched4::sleepers(),
        "test-chan" => sched4::channels(),
        "test-mutex" => sched4::mutex_counter(),
        "test-deadlock" => sched4::deadlock(),
        "test-closed-send" => sched4::closed_send(),
        "test-syscall" => sched4::syscall_handoff(),
        "test-leak" => leak::run(),
        "test-fairness" => experiments::fairness(),
        "test-timeslice" => timeslice::run(),
        "test-runnext" => runnext_latency::run(),
        "test-spinning" => spinning_rounds::run(),
        "test-getg" => getg_migration::run(),
        "torture" => torture::run(),
        other => Err(alloc::format!(
            "workload {other} is not implemented in this kernel"
        )),
    }
}
