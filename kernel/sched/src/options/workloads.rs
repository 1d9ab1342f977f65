//! The workload names `workload=` accepts, with their `--help` lines.
//!
//! Design note: the list is not written here. The kernel's
//! `kernel/src/workloads/registry.rs` holds one row per workload (name,
//! file, whether it reads console input, help) and is the only place a
//! workload is listed; this module includes that very file with a macro
//! that keeps the names, the input column and the help lines, while the
//! kernel includes it with one that also binds each row to its `run`
//! function. The parser, the runner's `--help`, the runner's choice of
//! stdin and the kernel's dispatch therefore cannot disagree, and adding a
//! workload is a new file plus one row.

/// Builds [`WORKLOADS`] and [`workload_reads_input`] from the kernel's
/// registry rows.
macro_rules! registry {
    ($( $name:literal => $file:literal, reads_input: $reads:literal : $help:literal; )*) => {
        /// Every workload: `(name, one-line description)`, in registry order.
        pub static WORKLOADS: &[(&str, &str)] = &[ $( ($name, $help), )* ];

        /// Every workload's `reads_input` column, in registry order.
        static READS_INPUT: &[(&str, bool)] = &[ $( ($name, $reads), )* ];
    };
}

include!("../../../src/workloads/registry.rs");

/// Whether the workload called `name` reads console input (its registry
/// row says `reads_input: true`): the runner then connects its stdin to
/// the guest's COM1. False for a name the registry does not know.
pub fn workload_reads_input(name: &str) -> bool {
    READS_INPUT.iter().any(|&(n, reads)| reads && n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_reads_input_and_fib_does_not() {
        assert!(workload_reads_input("console"));
        assert!(!workload_reads_input("fib"));
        assert!(!workload_reads_input("no-such-workload"));
        assert_eq!(READS_INPUT.len(), WORKLOADS.len(), "one column per row");
    }
}
