//! Leaving QEMU with a status the runner understands.
//!
//! QEMU's `isa-debug-exit` device (port 0xf4) exits with `(value << 1) | 1`:
//! 0x10 gives 33 (success), 0x11 gives 35 (failure) — the convention of the
//! Rust OS test runners.

use x86_64::instructions::port::Port;

use crate::arch::cpu;

const ISA_DEBUG_EXIT_PORT: u16 = 0xf4;

/// What the kernel reports to the runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ExitCode {
    /// QEMU exits with status 33.
    Success = 0x10,
    /// QEMU exits with status 35.
    Failure = 0x11,
}

/// Stop the machine with `code`. Never returns; without the exit device
/// (not under QEMU) the core halts.
pub fn exit_qemu(code: ExitCode) -> ! {
    // SAFETY: writing to the isa-debug-exit port only asks QEMU to exit.
    unsafe { Port::<u32>::new(ISA_DEBUG_EXIT_PORT).write(code as u32) };
    cpu::halt_forever()
}
