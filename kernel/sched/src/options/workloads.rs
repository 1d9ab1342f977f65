//! The workload names `workload=` accepts, with their `--help` lines.
//!
//! Design note: the list is not written here. The kernel's
//! `kernel/src/workloads/registry.rs` holds one row per workload (name,
//! file, help) and is the only place a workload is listed; this module
//! includes that very file with a macro that keeps the names and help
//! lines, while the kernel includes it with one that also binds each row
//! to its `run` function. The parser, the runner's `--help` and the
//! kernel's dispatch therefore cannot disagree, and adding a workload is a
//! new file plus one row.

/// Builds [`WORKLOADS`] from the kernel's registry rows.
macro_rules! registry {
    ($( $name:literal => $file:literal : $help:literal; )*) => {
        /// Every workload: `(name, one-line description)`, in registry order.
        pub static WORKLOADS: &[(&str, &str)] = &[ $( ($name, $help), )* ];
    };
}

include!("../../../src/workloads/registry.rs");
