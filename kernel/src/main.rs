//! gmp-metal: Go's G/M/P scheduler on bare-metal x86_64.
//!
//! Every core is an M holding its own P; Gs (goroutines) are switched by raw
//! register context switches; the APIC timer plays sysmon. See `boot` for
//! the start-up path and `runtime` for the scheduler.
//!
//! # Layers (arrows point down only)
//!
//! ```text
//! boot, panic        ties the layers together; the panic handler
//! workloads          what the main G runs: one file + one registry row each
//!    |                 (uses the runtime through `prelude`)
//! runtime            G, M, P, schedule/findRunnable, sysmon, channels, ...
//!    |                 owns `runtime::trap::trap`, the one entry point up
//! mem                frames, page tables, heap, guarded stacks
//! sync               interrupt-safe locks
//! arch               the machine: CPU, APIC, interrupts, per-core data, console
//! ```
//!
//! A module may use the layers below it, never those above: `arch` names
//! nothing of `sync`, `mem`, `runtime` or `workloads`; `sync` only `arch`;
//! `mem` only `sync` and `arch`; the runtime never names a workload. When
//! the machine needs the runtime — a timer tick, a preempt or stop IPI, a
//! page fault on a G stack, an NMI — it calls the runtime's trap entry
//! through the function pointer `boot` installed in `arch::trap` (the way
//! xv6's trap code only calls `yield()`). Per-core data the machine needs
//! (`arch::percpu::PerCpu`) is defined in `arch`; the runtime's M embeds
//! it. `tests/layers.rs` scans the source and fails on an upward import.
//!
//! # What holds, and is kept on purpose
//! - The trap seam above is the model for every other seam: the scheduler
//!   reports to its observers only through `runtime::scheduler::observe`,
//!   and workloads reach the runtime only through the prelude or
//!   `runtime::inspect`.
//! - One list per concept: a workload is one file plus one row of
//!   `workloads/registry.rs`, a benchmark one row of
//!   `workloads/bench/registry.rs`, a boot option one row of
//!   `gmp_sched::options::keys` (`kernel/sched/src/options/keys.rs`); the
//!   kernel and the runner `include!` the same rows, so they cannot drift.
//! - Each G, M and P state is an ownership rule, tabled at the top of
//!   `runtime/objects/{g,m,p}.rs` and asserted at every hand-off with a
//!   message of its own.
//! - Every `unsafe` block says why it is sound (`// SAFETY:`).
#![no_std]
#![no_main]
#![feature(abi_x86_interrupt)]
#![feature(allocator_api)]
// Every unsafe block says why it is sound (`// SAFETY:`); clippy checks it
// (tests/style.rs runs clippy with warnings as errors).
#![warn(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

pub mod arch;
pub mod boot;
pub mod mem;
pub mod panic;
pub mod runtime;
pub mod sync;
pub mod workloads;

/// What a workload needs, in one `use crate::prelude::*;` (see
/// `runtime::api` and docs/WORKLOADS.md).
pub mod prelude {
    pub use crate::runtime::api::*;
    pub use crate::workloads::common::ledger::Ledger;
}

use bootloader_api::config::{BootloaderConfig, Mapping};
use bootloader_api::{BootInfo, entry_point};

/// What the kernel asks of the bootloader: all physical memory mapped (at a
/// dynamic offset) and a generous boot stack, which becomes M0's g0 stack.
pub static BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::Dynamic);
    config.mappings.kernel_base = Mapping::FixedAddress(gmp_sched::layout::KERNEL_BASE);
    config.kernel_stack_size = 256 * 1024;
    config
};

entry_point!(entry, config = &BOOTLOADER_CONFIG);

fn entry(boot_info: &'static mut BootInfo) -> ! {
    boot::kmain(boot_info)
}
