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
//! function the closure was written in, at the line of the `go` call
//! (looking into inlined functions too: see [`start_frame`]). That one
//! frame becomes the start stack, so the workload's Gs are grouped by the
//! workload's functions, the way Go groups a closure's goroutines under the
//! function that wrote it.

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

/// The frame naming the new G's start function, from its creator's stack
/// `pcs` (return addresses, innermost first) and `frames`, the functions
/// inlined at an address (innermost first, the physical one last): the
/// innermost function past the spawn machinery. A closure that calls `go`
/// is often inlined into the G entry that runs it (`call_closure`, spawn
/// machinery itself), so the functions inlined at an address count, not
/// only the one it is physically in. When that function is the physical
/// one, the frame keeps the return address, whose one frame in Go's table
/// it already is; when it is inlined there, the frame takes the address one
/// byte earlier (inside the call instruction, so never a return address),
/// an address of its own for Go's one frame per PC. None when every frame
/// is spawn machinery (or the stack is empty): the G then gets no start
/// stack.
pub fn start_frame(pcs: &[u64], mut frames: impl FnMut(u64) -> Vec<Frame>) -> Option<Frame> {
    pcs.iter().find_map(|&pc| {
        let chain = frames(pc);
        let k = chain.iter().position(|f| !is_spawn(&f.func))?;
        let mut f = chain[k].clone();
        f.pc = if k + 1 == chain.len() {
            pc
        } else {
            pc.saturating_sub(1)
        };
        Some(f)
    })
}
