//! The call stacks of the Go trace's events (`trace=on|flight`).
//!
//! Go's execution trace gives a stack to the events that say where a G was
//! made, blocked, readied, stopped or entered a syscall; `go tool trace`
//! shows them as the goroutine's transition stacks. The kernel records the
//! same: right after such an event, an [`Event::Stack`] of up to
//! [`STACK_MAX`] return addresses, walked by frame pointers
//! (`arch::backtrace`) — the caller's own stack for create, unblock and
//! syscall, and for block and stop the G's, from the context it saved as
//! it switched out (we are on g0 then). The runner names the addresses from
//! the kernel ELF. Only recorded events pay for a walk: nothing runs here
//! with tracing off.

use gmp_sched::trace::{Event, STACK_MAX};

use crate::runtime::diag::tracking::Hook;
use crate::runtime::objects::g::G;

/// The call stack Go's trace gives `hook` (creating, readying and entering
/// a syscall: the caller's own stack, walked from here; blocking and
/// stopping: the G's, from the context it saved as it switched out), as
/// the maker of the [`Event::Stack`] that follows the event. None for the
/// events Go gives no stack.
#[inline(always)]
pub(super) fn stack_of(gp: &G, hook: Hook) -> Option<impl FnOnce(u64, u32, Option<u32>) -> Event> {
    let (first, rbp) = match hook {
        Hook::Create | Hook::Unblock | Hook::SyscallBegin => {
            (None, crate::arch::backtrace::current_rbp())
        }
        Hook::Block | Hook::Stop(_) => {
            // SAFETY: the G has switched out (mcall saved its context) and
            // this M still owns it: nothing writes the context meanwhile.
            let buf = unsafe { &*gp.gobuf() };
            (Some(buf.rip), buf.rbp)
        }
        Hook::Start | Hook::End | Hook::SyscallEnd => return None,
    };
    let mut pcs = [0u32; STACK_MAX];
    let mut depth = 0;
    let mut push = |pc: u64| {
        if depth < STACK_MAX && crate::arch::backtrace::in_kernel(pc) {
            pcs[depth] = pc.wrapping_sub(gmp_sched::layout::KERNEL_BASE) as u32;
            depth += 1;
        }
    };
    if let Some(pc) = first {
        push(pc);
    }
    crate::arch::backtrace::walk(rbp, push);
    Some(move |ts, m, _| Event::Stack {
        ts,
        m,
        depth: depth as u8,
        pcs,
    })
}
