//! Workloads: what the main G runs, chosen by the boot option `workload=`.
//!
//! Layer: workloads sit on top. They use the runtime's API
//! ([`crate::prelude`]) and never reach below it into the machine, and
//! nothing below them names them: the runtime starts the main G with
//! whatever entry `boot` hands it from [`entry`].
//!
//! Every workload is one file with `pub fn run() -> Verdict` and one row of
//! `registry.rs`; the registry macro below turns the rows into the table
//! of entries, declaring each file as a module of its own (a `#[path]`
//! module inside the row's expression), so a row without its file — or a
//! file without its `run` — is a compile error, not a surprise at boot.
//! The same rows give the boot-option parser its choices and the runner
//! its `--help` (`gmp_sched::options::WORKLOADS` includes `registry.rs`).
//!
//! Folders say what is inside: `demos/` (what `cargo run -- --workload`
//! shows a reader), `checks/` (the kernel halves of the QEMU tests in
//! `tests/`: each checks its own result — ledgers, not counts — and returns
//! an error naming the first thing that went wrong), `experiments/` (the
//! history of Go's scheduler replayed, docs/EXPERIMENTS.md), `labs/` (the
//! reference answers of docs/LABS.md), `bench/`, `torture/`, `tourney/`
//! (the policy tournament's workloads and their one `POLICY-RESULT` line),
//! and `common/` (what several of them share). `faults.rs`
//! provokes the faults of `fault=`.

pub mod common;
pub mod faults;
pub mod tourney;

pub use crate::runtime::api::Verdict;

/// Fails a workload that only makes sense with exactly `n` Ps.
fn need_procs(n: u32) -> Verdict {
    let p = crate::runtime::api::gomaxprocs(0);
    if p != n {
        return Err(alloc::format!("this workload needs procs={n} (got {p})"));
    }
    Ok(())
}

/// Builds [`ENTRIES`] from the rows of `registry.rs`. The `reads_input`
/// column is the runner's business (whether QEMU gets its stdin); the
/// kernel's console reads COM1 whatever it says.
macro_rules! registry {
    ($( $name:literal => $file:literal, reads_input: $reads:literal : $help:literal; )*) => {
        /// Every workload: its name and its entry, in registry order.
        pub static ENTRIES: &[(&str, fn() -> Verdict)] = &[
            $( ($name, {
                #[path = $file]
                mod workload;
                workload::run
            }), )*
        ];
    };
}

include!("registry.rs");

/// The entry of the workload called `name` (a name the boot-option parser
/// accepted, so always one of [`ENTRIES`]).
pub fn entry(name: &str) -> Option<fn() -> Verdict> {
    ENTRIES.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
