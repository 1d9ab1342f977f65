//! Leaving QEMU with a status the runner understands.
//!
//! QEMU's `isa-debug-exit` device (port 0xf4) exits with `(value << 1) | 1`:
//! 0x10 gives 33 (success), 0x11 gives 35 (failure) — the convention of the
//! Rust OS test runners.

use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

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

/// What to do once before a failing exit (the trace's flush), set by a
/// higher layer: arch calls up only through this pointer.
static ON_FAILURE: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Run `f` before the first `exit_qemu(Failure)` (on the core that fails).
pub fn on_failure(f: fn()) {
    ON_FAILURE.store(f as *mut (), Ordering::Release);
}

/// The TSC at which the run was known to fail, when that came before the
/// exit (a workload's verdict, then the end-of-run report); 0: not yet.
static FAILED_AT: AtomicU64 = AtomicU64::new(0);

/// Mark this instant as the failure's: `exit_qemu(Failure)` reports it
/// instead of its own reading, so what is printed between the two (the
/// summary, whose `stopat:` line exists only when `stopat=` is armed) does
/// not move the instruction count a replay must reach. The first mark
/// wins.
pub fn mark_failure_now() {
    let _ = FAILED_AT.compare_exchange(0, cpu::rdtsc(), Ordering::AcqRel, Ordering::Relaxed);
}

/// Stop the machine with `code`. Never returns; without the exit device
/// (not under QEMU) the core halts. A failure first runs the function
/// given to [`on_failure`], once.
pub fn exit_qemu(code: ExitCode) -> ! {
    if code == ExitCode::Failure {
        // The failure's place in time, first (or as marked earlier): under
        // `--icount` the TSC counts virtual nanoseconds, one per
        // instruction, so this is the instruction count a replay must
        // reach again (the explorer's fingerprint, `--stop-at`'s target).
        let at = match FAILED_AT.load(Ordering::Acquire) {
            0 => cpu::rdtsc(),
            marked => marked,
        };
        crate::arch::console::print_for_panic(format_args!("exit: failure at tsc {at}\n"));
        let f = ON_FAILURE.swap(core::ptr::null_mut(), Ordering::AcqRel);
        if !f.is_null() {
            // SAFETY: only `on_failure` stores here, and it stores a `fn()`.
            let f: fn() = unsafe { core::mem::transmute::<*mut (), fn()>(f) };
            f();
        }
    }
    // SAFETY: writing to the isa-debug-exit port only asks QEMU to exit.
    unsafe { Port::<u32>::new(ISA_DEBUG_EXIT_PORT).write(code as u32) };
    cpu::halt_forever()
}
