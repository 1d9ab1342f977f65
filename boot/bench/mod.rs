//! `gmp-metal bench`: the in-kernel benchmarks, read from the serial
//! console, set beside Go and Linux threads measured on the host.
//!
//! Design note: the kernel measures and prints (`workload=bench`, a line
//! protocol); everything else happens here on the host, in small parts that
//! are each tested without QEMU:
//!
//! - [`kernel_output`] — the line protocol's parser; [`catalog`] — the names;
//! - [`timebase`] — which unit a figure is in, and why;
//! - [`hostcmd`], [`callgrind`] — running host programs, counting their
//!   instructions by the two-count difference;
//! - [`compare`] — the Go program and the Linux-threads program
//!   ([`linux`]), and what is paired with what;
//! - [`targets`] — the targets, met or missed;
//! - [`report`], [`table`], [`svg`] — one value, printed, as JSON, as charts;
//! - [`args`], [`run`] — the command.

pub mod args;
pub mod callgrind;
pub mod catalog;
pub mod compare;
pub mod host_env;
pub mod hostcmd;
pub mod kernel_output;
pub mod linux;
pub mod report;
pub mod run;
pub mod scaling;
pub mod svg;
pub mod table;
pub mod targets;
pub mod timebase;

#[cfg(test)]
mod tests;
