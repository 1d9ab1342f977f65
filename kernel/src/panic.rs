//! The panic handler: name the core and the G, then fail the run.
//!
//! The report is `PANIC on M<id> (apic <n>) in G<id> at <file>:<line>:
//! <message>`, then the frame-pointer backtrace (which the runner names
//! from the kernel's debug info), then a goroutine dump of every G in the
//! layout of Go's traceback (`runtime::diag::goroutines`). The location comes before the message
//! because some messages run over several lines (a failed `casgstatus`
//! prints the G's last transitions).
//!
//! A panic report must always appear, even when the panicking core was in
//! the middle of printing or another core holds the console, so it goes
//! through the console's panic path (see `console`). Any panic exits QEMU
//! with the failure status: the runner turns that into a non-zero exit.

use core::panic::PanicInfo;

use crate::arch::backtrace::Backtrace;
use crate::arch::exit::{ExitCode, exit_qemu};

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    crate::arch::cpu::interrupts_disable();
    let m = crate::runtime::objects::m::this_m();
    match info.location() {
        Some(loc) => crate::arch::console::print_for_panic(format_args!(
            "PANIC on M{} (apic {}) {} at {}:{}: {}\n{}\n",
            m.id,
            m.apic(),
            m.whereabouts(),
            loc.file(),
            loc.line(),
            info.message(),
            Backtrace::here(),
        )),
        None => crate::arch::console::print_for_panic(format_args!(
            "PANIC on M{} (apic {}) {}: {}\n{}\n",
            m.id,
            m.apic(),
            m.whereabouts(),
            info.message(),
            Backtrace::here(),
        )),
    }
    // Then every G, as Go's `GOTRACEBACK=all` shows them (bounded: a
    // panic among 100,000 Gs must still end).
    crate::runtime::diag::goroutines::dump(
        crate::runtime::diag::goroutines::Which::All,
        PANIC_DUMP_LIMIT,
        crate::arch::backtrace::current_rbp(),
        &mut |a| crate::arch::console::print_for_panic(a),
    );
    exit_qemu(ExitCode::Failure)
}

/// Gs listed by a panic's goroutine dump; the rest are counted.
const PANIC_DUMP_LIMIT: usize = 64;
