//! The gmp-metal runner: boots the kernel in QEMU and reports how the run
//! ended. `cargo run -- [OPTIONS] [KEY=VALUE]... [-- QEMU_ARGS...]` uses it
//! through `main.rs`; the integration tests in `tests/` use it directly.
//!
//! Design note: one code path. The binary is a thin shell around [`Run`]:
//! it turns the command line into a `Run`, prints what it is asked to, and
//! maps the [`Outcome`] to an exit status. Everything that can be checked
//! on the host is checked before QEMU starts (see [`Run::prepare`]), with
//! the kernel's own boot-option parser, so a mistake costs one sentence
//! instead of a boot. The modules are small and each owns one concern:
//!
//! - [`cli`] — clap definition, turning arguments into a [`Run`];
//! - [`help`] — the generated tail of `--help`;
//! - [`run`] — the [`Run`] builder and the host-side checks;
//! - [`smp`], [`memory`], [`accel`], [`ovmf`], [`bootopts`] — the checks;
//!   [`x2apic`] — what a guest past 255 cores (or with `--x2apic`) needs;
//! - [`qemu`] — the command line; [`exec`] — spawn, serial capture, timeout;
//! - [`outcome`], [`exit`] — verdicts and exit statuses; [`gdb`] — attaching;
//! - [`symbolize`] — naming the functions of the kernel's panic backtraces;
//!   [`goroutines`] — goroutine dumps in Go's layout, and their parser;
//! - [`bench`] — `gmp-metal bench`: the in-kernel benchmarks and the host
//!   comparison with Go, Linux threads, tokio and may;
//! - [`lab`] — `gmp-metal lab`: the labs of docs/LABS.md (holes cut into
//!   the scheduler, and their grader);
//! - [`policies`] — `gmp-metal policies`: every scheduling policy on
//!   every tournament workload in lockstep, as a table, charts and JSON;
//! - [`flaky`] — `gmp-metal flaky`: one test file run many times under
//!   host load, its failures counted;
//! - [`trace`] — `--trace`: the kernel's scheduler trace, parsed and
//!   converted for viewers;
//! - [`metrics`] — `--metrics PATH`: the kernel's runtime/metrics lines,
//!   written as JSON.
//!
//! The boot images and the kernel ELF are built by `boot/build.rs` and
//! named in [`image`].

// Every unsafe block says why it is sound (`// SAFETY:`), checked by clippy.
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod accel;
pub mod bench;
pub mod bootopts;
pub mod cli;
pub mod error;
pub mod exec;
pub mod exit;
pub mod explore;
pub mod flaky;
pub mod gdb;
pub mod goroutines;
pub mod help;
pub mod image;
pub mod input;
pub mod lab;
pub mod memory;
pub mod metrics;
pub mod outcome;
pub mod ovmf;
pub mod policies;
pub mod qemu;
pub mod run;
pub mod smp;
pub mod symbolize;
pub mod trace;
pub mod x2apic;

pub use accel::Accel;
pub use error::RunError;
pub use image::{BIOS_IMAGE, KERNEL_ELF, UEFI_IMAGE};
pub use input::Input;
pub use outcome::{Outcome, Verdict};
pub use ovmf::Ovmf;
pub use run::{Prepared, Run};
pub use smp::Smp;
