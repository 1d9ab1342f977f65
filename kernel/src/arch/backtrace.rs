//! Backtraces by frame pointers, for panic and fault reports.
//!
//! The kernel is built with frame pointers (`.cargo/config.toml`), as Go's
//! amd64 runtime is: every frame starts `push rbp; mov rbp, rsp`, so RBP
//! points at a pair (caller's RBP, return address) and the pairs form a
//! chain up the stack. The chain ends at a zero RBP: `mcall` zeroes RBP
//! before it calls into g0, and a new G starts with RBP = 0 (`Gobuf`).
//!
//! The walk runs when something already went wrong, so it trusts nothing:
//! each link must be aligned, mapped (checked in the page tables without a
//! lock) and at most [`MAX_FRAMES`] deep. Return addresses are printed raw
//! (`backtrace: 0x... 0x...`) and symbolised by the runner from the kernel
//! ELF's debug info (`boot/symbolize.rs`), which the kernel itself does not
//! carry (the boot image is stripped).
//!
//! Two kinds of frame break the simple picture: functions of the prebuilt
//! `core` library, built without frame pointers, never appear (their
//! callers do), and an interrupt handler's frame holds the interrupt frame
//! (RIP, or an error code, then RIP) above its saved RBP; addresses outside
//! the kernel image are therefore skipped rather than ending the walk.

use core::arch::asm;

use gmp_sched::layout::KERNEL_BASE;

/// The longest chain printed.
pub const MAX_FRAMES: usize = 48;
/// The kernel image is smaller than this (the runner refuses to load more).
const KERNEL_SPAN: u64 = 64 << 20;

/// Whether `pc` lies in the kernel image.
pub fn in_kernel(pc: u64) -> bool {
    pc.wrapping_sub(KERNEL_BASE) < KERNEL_SPAN
}

/// The caller's frame pointer.
#[inline(always)]
pub fn current_rbp() -> u64 {
    let rbp: u64;
    // SAFETY: reads a register.
    unsafe { asm!("mov {}, rbp", out(reg) rbp, options(nomem, nostack, preserves_flags)) };
    rbp
}

/// The return address of the function this is inlined into, read from its
/// frame (`[rbp + 8]`). That function must have a frame of its own, so it
/// must not be inlined itself (`#[inline(never)]`): every non-inlined
/// function pushes RBP in its prologue (frame pointers are forced).
#[inline(always)]
pub fn return_address() -> u64 {
    let ret: u64;
    // SAFETY: RBP points at this function's frame, whose second word is
    // the return address its caller's `call` pushed; the stack is mapped.
    unsafe { asm!("mov {}, [rbp + 8]", out(reg) ret, options(nostack, readonly, preserves_flags)) };
    ret
}

/// Calls `f` with each return address of the chain starting at `rbp`,
/// innermost first, keeping only kernel addresses; at most [`MAX_FRAMES`].
pub fn walk(mut rbp: u64, mut f: impl FnMut(u64)) {
    let mut n = 0;
    while n < MAX_FRAMES && rbp != 0 && rbp.is_multiple_of(8) {
        if !super::physmap::is_mapped_lockless(rbp) || !super::physmap::is_mapped_lockless(rbp + 8)
        {
            break;
        }
        // SAFETY: both words are mapped (checked just above) and aligned.
        let (next, ret) = unsafe {
            (
                core::ptr::read_volatile(rbp as *const u64),
                core::ptr::read_volatile((rbp + 8) as *const u64),
            )
        };
        if in_kernel(ret) {
            f(ret);
            n += 1;
        }
        if next == rbp {
            break;
        }
        rbp = next;
    }
}

/// A backtrace to print: `backtrace: 0x.. 0x..` on one line, for the
/// chain at `rbp`, with `first` (a faulting RIP) in front if given.
pub struct Backtrace {
    pub first: Option<u64>,
    pub rbp: u64,
}

impl Backtrace {
    /// The chain of the caller of this function.
    #[inline(always)]
    pub fn here() -> Backtrace {
        Backtrace {
            first: None,
            rbp: current_rbp(),
        }
    }
}

impl core::fmt::Display for Backtrace {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("backtrace:")?;
        if let Some(pc) = self.first {
            // A faulting RIP is the instruction itself, not a return
            // address: the `!` tells the runner to look it up as is.
            write!(f, " !{pc:#x}")?;
        }
        let mut r = Ok(());
        walk(self.rbp, |pc| {
            // An interrupt frame's RIP shows up in the chain too.
            if r.is_ok() && Some(pc) != self.first {
                r = write!(f, " {pc:#x}");
            }
        });
        r
    }
}
