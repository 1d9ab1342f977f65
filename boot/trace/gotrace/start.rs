//! Each created G's start function: the one-frame stack Go's trace gives
//! GoCreate as the new goroutine's own ("new stack").
//!
//! Design note: `go tool trace`'s goroutine analysis groups goroutines by
//! the root frame of the first stack it sees on one of their state
//! transitions, and for a G made during the trace that is GoCreate's new
//! stack. Go's runtime puts the goroutine's start PC there, so a closure's
//! goroutine is listed under the function that wrote it (`main.main.func1`).
//! Our Gs run Rust closures handed to `go(...)`, whose start PC the trace
//! does not record; what the kernel does record is the creating G's stack
//! (`runtime/diag/tracestack.rs`), whose innermost frame past the spawn
//! machinery (`go`, `newproc1`, the trace hooks) is the `go` call site: the
//! function the closure was written in, at the line of the `go` call. That
//! frame, at its own return address, becomes the start stack, so the
//! workload's Gs are grouped by the workload's functions. Reusing the
//! address keeps Go's table of one frame per PC consistent: the same
//! address already names that frame in the creator's stack.

use super::Frame;

/// The modules whose leading frames on a creator's stack are the spawn
/// machinery rather than the code that asked for a G: `go` and `newproc1`
/// themselves, and the observers and trace recorder that walk the stack
/// (inlined into `go` today, but a build that keeps them out of line must
/// not name Gs after them).
const SPAWN_MODULES: &[&str] = &[
    "gmp_kernel::runtime::scheduler::newproc::",
    "gmp_kernel::runtime::scheduler::observe::",
    "gmp_kernel::runtime::diag::",
    "gmp_kernel::arch::backtrace::",
];

/// Whether `func` (a symbolized frame's function) is spawn machinery.
pub fn is_spawn(func: &str) -> bool {
    SPAWN_MODULES.iter().any(|m| func.starts_with(m))
}

/// Which return address of a creator's stack (innermost first) names the
/// new G's start function: the first whose frame is not spawn machinery.
/// None when every frame is (or the stack is empty): the G then keeps no
/// start stack, as before.
pub fn start_frame(pcs: &[u64], mut frames: impl FnMut(u64) -> Vec<Frame>) -> Option<usize> {
    pcs.iter().position(|&pc| {
        let f = frames(pc);
        !f.is_empty() && !f.iter().all(|f| is_spawn(&f.func))
    })
}
