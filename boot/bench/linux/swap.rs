//! A bare register swap: the smallest context switch there is, as the
//! floor the kernel's `switch-raw` is held against (within 2x).
//!
//! Design note: exactly what a cooperative switch must keep — the six
//! callee-saved registers of the System V ABI and the stack pointer — and
//! nothing else (no FPU state, no signal mask, no scheduler). Two contexts
//! in one thread bounce between each other; the second lives on a heap
//! stack prepared so that the first swap "returns" into its entry.

use std::arch::naked_asm;
use std::time::{Duration, Instant};

/// Stack of the second context.
const STACK_BYTES: usize = 64 * 1024;

/// The saved stack pointers of the two contexts.
#[repr(C)]
struct Pair {
    main_sp: usize,
    co_sp: usize,
}

/// Saves the callee-saved registers and `rsp` into `*save`, loads `load`
/// as the stack pointer, restores the registers saved there and returns
/// into that context.
///
/// # Safety
/// `save` must be writable, and `load` must be a stack pointer saved by
/// `swap` (or prepared as in [`pingpong`]) whose stack is still alive.
#[unsafe(naked)]
unsafe extern "sysv64" fn swap(save: *mut usize, load: usize) {
    naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        "mov rsp, rsi",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
    )
}

/// First code of the second context: its `Pair` arrives in r12.
///
/// # Safety
/// Only entered by `swap` from a stack prepared by [`pingpong`].
#[unsafe(naked)]
unsafe extern "sysv64" fn co_entry() {
    naked_asm!("mov rdi, r12", "call {body}", "ud2", body = sym co_body)
}

/// The second context: swaps straight back, forever.
extern "sysv64" fn co_body(pair: *mut Pair) -> ! {
    loop {
        // SAFETY: `pair` outlives every swap into this context (the
        // ping-pong never resumes it after returning), and `main_sp` was
        // saved by the swap that got us here.
        unsafe { swap(&raw mut (*pair).co_sp, (*pair).main_sp) };
    }
}

/// `n` swaps (rounded down to even): the time and the swaps done.
pub fn pingpong(n: u64) -> (Duration, u64) {
    let mut stack = vec![0u64; STACK_BYTES / 8];
    let top = (stack.as_mut_ptr() as usize + STACK_BYTES) & !15;
    // On the heap and used only through the raw pointer: both contexts
    // write it.
    let pair: *mut Pair = Box::into_raw(Box::new(Pair {
        main_sp: 0,
        co_sp: 0,
    }));
    // The first swap pops r15, r14, r13, r12, rbx, rbp and returns: the
    // return slot sits 16 below the aligned top so co_entry starts with
    // rsp 16-aligned, and r12 (fourth pop) carries the Pair.
    let ret_slot = top - 16;
    let sp = ret_slot - 6 * 8;
    let words = [0, 0, 0, pair as usize, 0, 0, co_entry as *const () as usize];
    for (i, w) in words.iter().enumerate() {
        // SAFETY: sp..ret_slot+8 lies inside `stack` (top minus 64 bytes).
        unsafe { ((sp + i * 8) as *mut usize).write(*w) };
    }
    // SAFETY: `pair` is the live box made above.
    unsafe { (*pair).co_sp = sp };
    let rounds = n / 2;
    let start = Instant::now();
    for _ in 0..rounds {
        // SAFETY: `co_sp` is the prepared or saved stack pointer of the
        // second context, whose stack (`stack`) lives to the end of this
        // function; `main_sp` is writable.
        unsafe { swap(&raw mut (*pair).main_sp, (*pair).co_sp) };
    }
    let took = start.elapsed();
    // SAFETY: the second context is never resumed again, so nothing uses
    // the box or the stack after this.
    drop(unsafe { Box::from_raw(pair) });
    drop(stack);
    (took, 2 * rounds)
}
