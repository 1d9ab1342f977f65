//! Raw register context switches — the counterparts of Go's `gogo` and
//! `mcall`.
//!
//! A [`Gobuf`] holds what a G needs to resume after a *voluntary* switch:
//! the callee-saved registers of the System V ABI (RBX, RBP, R12–R15), the
//! stack pointer and the resume address. Caller-saved registers need no
//! saving: the switch is a function call, so the compiler has already
//! assumed they are clobbered. (An *involuntary* switch — preemption from
//! an interrupt — saves the remaining registers in the interrupt frame on
//! the G's own stack before it gets here, so the same two primitives serve
//! both.) The kernel target has no SSE/x87 state in use (soft-float), so
//! there is no floating-point state to carry.
//!
//! `mcall(gp, f, g0_sp)` saves the caller's context into `gp`'s Gobuf and
//! calls `f(gp)` at the top of the M's g0 stack; `f` never returns, and the
//! G continues only when someone `gogo`s its Gobuf, at which point `mcall`
//! appears to return. `gogo(buf)` loads a Gobuf and jumps: it never returns.
//!
//! Offsets into the Gobuf come from `offset_of!`, so the layout may change
//! without the assembly going stale.

use core::mem::offset_of;

/// Saved context of a G that is not running.
#[repr(C)]
#[derive(Debug, Default)]
pub struct Gobuf {
    /// Stack pointer to restore.
    pub rsp: u64,
    /// Address to resume at.
    pub rip: u64,
    /// Callee-saved registers.
    pub rbx: u64,
    pub rbp: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
}

impl Gobuf {
    /// A context that starts `entry` on a fresh stack whose usable top is
    /// `stack_top` (16-byte aligned). `entry` sees the stack as if it had
    /// been called: RSP ≡ 8 (mod 16), with a zero return address on top (a
    /// return from `entry` would fault at address 0 rather than run on).
    pub fn new_entry(stack_top: u64, entry: extern "C" fn() -> !) -> Gobuf {
        debug_assert!(
            stack_top.is_multiple_of(16),
            "G stack top must be 16-byte aligned"
        );
        let rsp = stack_top - 8;
        // SAFETY: `rsp` lies in the new G's mapped stack, which nobody else uses yet.
        unsafe { (rsp as *mut u64).write(0) };
        Gobuf {
            rsp,
            rip: entry as usize as u64,
            ..Gobuf::default()
        }
    }
}

/// The one definition of what a switch saves and restores, shared by
/// [`mcall`], [`gogo`] and [`swapcontext`]: `save!(reg)` is the assembly
/// that stores the caller's return address, its stack pointer after the
/// return (`rsp + 8`) and the callee-saved registers into the Gobuf at
/// `reg`; `load!(reg)` loads the stack pointer and callee-saved registers
/// from the Gobuf at `reg` and jumps to its saved address. `switch_asm!`
/// supplies the field offsets (from `offset_of!`, so the layout of
/// [`Gobuf`] may change freely).
macro_rules! save {
    ($r:literal) => {
        concat!(
            "mov rax, [rsp]\n",
            "mov [",
            $r,
            " + {rip}], rax\n",
            "lea rax, [rsp + 8]\n",
            "mov [",
            $r,
            " + {rsp}], rax\n",
            "mov [",
            $r,
            " + {rbx}], rbx\n",
            "mov [",
            $r,
            " + {rbp}], rbp\n",
            "mov [",
            $r,
            " + {r12}], r12\n",
            "mov [",
            $r,
            " + {r13}], r13\n",
            "mov [",
            $r,
            " + {r14}], r14\n",
            "mov [",
            $r,
            " + {r15}], r15\n",
        )
    };
}

macro_rules! load {
    ($r:literal) => {
        concat!(
            "mov rsp, [",
            $r,
            " + {rsp}]\n",
            "mov rbx, [",
            $r,
            " + {rbx}]\n",
            "mov rbp, [",
            $r,
            " + {rbp}]\n",
            "mov r12, [",
            $r,
            " + {r12}]\n",
            "mov r13, [",
            $r,
            " + {r13}]\n",
            "mov r14, [",
            $r,
            " + {r14}]\n",
            "mov r15, [",
            $r,
            " + {r15}]\n",
            "jmp qword ptr [",
            $r,
            " + {rip}]\n",
        )
    };
}

macro_rules! switch_asm {
    ($($template:expr),+ $(,)?) => {
        core::arch::naked_asm!(
            $($template),+,
            rip = const offset_of!(Gobuf, rip),
            rsp = const offset_of!(Gobuf, rsp),
            rbx = const offset_of!(Gobuf, rbx),
            rbp = const offset_of!(Gobuf, rbp),
            r12 = const offset_of!(Gobuf, r12),
            r13 = const offset_of!(Gobuf, r13),
            r14 = const offset_of!(Gobuf, r14),
            r15 = const offset_of!(Gobuf, r15),
        )
    };
}

/// Save the current context into `gp`'s Gobuf (which must be the first field
/// of the pointee, at offset 0) and run `f(gp)` on the g0 stack whose top is
/// `g0_sp`.
///
/// Register contract: in — RDI = `gp` (a `*mut Gobuf` at offset 0 of the G),
/// RSI = `f`, RDX = `g0_sp` (16-byte aligned). Saves RBX, RBP, R12–R15, the
/// caller's RSP (after popping the return address) and the return address
/// into the Gobuf; switches RSP to `g0_sp`, zeroes RBP (a clean frame-chain
/// end for debuggers) and calls `f` with RDI = `gp` unchanged. `f` must not
/// return (a `ud2` guards it). When the Gobuf is later resumed by [`gogo`],
/// execution continues at the return address with the saved callee-saved
/// registers and RSP: to the caller, `mcall` has returned; caller-saved
/// registers are clobbered, as for any call.
///
/// # Safety
/// Interrupts must be off (a half-saved context must not be preempted);
/// `gp` must point at a live G (Gobuf first) owned by the caller; `g0_sp`
/// must be the top of this M's g0 stack, which nothing else is using.
#[unsafe(naked)]
pub unsafe extern "C" fn mcall(gp: *mut Gobuf, f: extern "C" fn(*mut Gobuf) -> !, g0_sp: u64) {
    switch_asm!(
        save!("rdi"),
        "mov rsp, rdx",
        "xor ebp, ebp",
        "call rsi",
        "ud2"
    )
}

/// Resume the context in `buf`.
///
/// Register contract: in — RDI = `buf`. Loads RSP, RBX, RBP, R12–R15 from
/// the Gobuf and jumps to its RIP. Nothing is pushed on the old stack, and
/// the old stack is not touched again: the caller (a g0) simply abandons
/// its frame. Interrupts are left as they are (off, on g0); the resumed code
/// turns them back on (a voluntary switch re-enables after its `mcall`
/// returns, a preempted G returns through its interrupt frame, a new G
/// enables them in its entry).
///
/// # Safety
/// `buf` must hold a context saved by [`mcall`] or built by
/// [`Gobuf::new_entry`], for a G the caller has made the running G of this
/// M; its stack must be mapped and not in use by any other core.
#[unsafe(naked)]
pub unsafe extern "C" fn gogo(buf: *const Gobuf) -> ! {
    switch_asm!(load!("rdi"))
}

/// Switch from one stack to another without going through g0: save the
/// current context into `from` and resume `to`. The floor for switch-cost
/// benchmarks (no scheduler involved); the scheduler itself always passes
/// through g0.
///
/// Register contract: in — RDI = `from`, RSI = `to`. Saves exactly what
/// [`mcall`] saves into `from` (resume address = our return address), then
/// loads `to` as [`gogo`] does.
///
/// # Safety
/// As for [`mcall`] and [`gogo`]: interrupts off, both Gobufs owned by the
/// caller, `to` resumable.
#[unsafe(naked)]
pub unsafe extern "C" fn swapcontext(from: *mut Gobuf, to: *const Gobuf) {
    switch_asm!(save!("rdi"), load!("rsi"))
}
