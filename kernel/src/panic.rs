//! The panic handler: name the core and the G, then fail the run.
//!
//! The report is `PANIC on M<id> (apic <n>) in G<id> at <file>:<line>:
//! <message>`, then the frame-pointer backtrace (which the runner names
//! from the kernel's debug info). The location comes before the message
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
    exit_qemu(ExitCode::Failure)
}
