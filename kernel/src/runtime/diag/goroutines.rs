//! Goroutine dumps in the layout of Go's traceback: on a panic, for the
//! console's `dump`, for a deadlock, and at the end of a run for the Gs
//! still blocked on a channel or lock (Go 1.27's `goroutineleak` profile).
//!
//! Design note. Per G, Go prints a header `goroutine N [wait reason, M
//! minutes, locked to thread]:`, the symbolised frames and `created by
//! FUNC in goroutine K`. The kernel has no symbols, so it prints the
//! frames as raw return addresses on one line and the creator as the
//! address of its `go` call (`gmp_sched::gdump`); the runner names both
//! from the kernel ELF, giving Go's layout. Where the frames come from:
//! - the G doing the dump walks its own frame pointers from its caller;
//! - a G that is not running (waiting, runnable) has its context saved in
//!   its `Gobuf` by `mcall`: the saved RIP is a return address in the
//!   function that switched out, and the saved RBP heads the frame-pointer
//!   chain of the rest (`arch::backtrace::walk` checks every link). A G
//!   that never ran has RBP 0 and RIP at its entry, printed as an exact
//!   address (`!`);
//! - a G running on another core (or in a blocking call) is using its
//!   stack: Go prints that its stack is unavailable, and so do we.
//!
//! The reader takes no lock and allocates nothing, so the panic handler can
//! use it; a G may change state while it is listed unless the caller has
//! stopped the world (the console and the end of the run do).

use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

use gmp_sched::gdump::{FRAMES_PREFIX, STACK_UNAVAILABLE, may_leak, wait_minutes};

use crate::arch::backtrace::{in_kernel, walk};
use crate::arch::{cpu, tsc};
use crate::runtime::objects::allg;
use crate::runtime::objects::g::{G, Gstatus, getg};

/// Which Gs a dump lists.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Every G that is not dead (Go's `GOTRACEBACK=all`).
    All,
    /// Gs blocked on a channel, select or `sync` primitive, marked
    /// `(leaked)` as Go's leak profile marks them.
    Leaked,
}

/// Set while a dump is being printed: a panic inside one prints no second.
static DUMPING: AtomicBool = AtomicBool::new(false);

/// Print the dump of `which` Gs through `emit`, one G per call: at most
/// `limit`, then a line counting the rest. `here` is the frame pointer the
/// dumping G's own frames start at (its caller's, normally). Returns how
/// many Gs matched (listed or not), or `None` when a dump was already
/// running on some core (a panic while dumping).
pub fn dump(
    which: Which,
    limit: usize,
    here: u64,
    emit: &mut dyn FnMut(fmt::Arguments),
) -> Option<usize> {
    if DUMPING.swap(true, Ordering::Acquire) {
        return None;
    }
    let me = getg();
    let mut shown = 0;
    let mut matched = 0;
    // Go lists the G that asked first, then the others in `allgs` order.
    if let Some(g) = me
        && selected(g, which)
    {
        matched += 1;
        if shown < limit {
            emit(format_args!("{}", Block { g, which, here }));
            shown += 1;
        }
    }
    allg::for_each(|g| {
        if me.is_some_and(|me| core::ptr::eq(me, g)) || !selected(g, which) {
            return;
        }
        matched += 1;
        if shown < limit {
            emit(format_args!("{}", Block { g, which, here }));
            shown += 1;
        }
    });
    if matched > shown {
        emit(format_args!(
            "... {} more goroutines not shown ({} in all)\n\n",
            matched - shown,
            matched
        ));
    }
    DUMPING.store(false, Ordering::Release);
    Some(matched)
}

/// Whether the dump of `which` lists `g`.
fn selected(g: &G, which: Which) -> bool {
    match (g.status(), which) {
        (Gstatus::Gdead | Gstatus::Gidle, _) => false,
        (_, Which::All) => true,
        (Gstatus::Gwaiting, Which::Leaked) => may_leak(g.waitreason()),
        (_, Which::Leaked) => false,
    }
}

/// One G's block: header, frames, creator, blank line.
struct Block<'a> {
    g: &'a G,
    which: Which,
    here: u64,
}

impl fmt::Display for Block<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = self.g;
        let st = g.status();
        write!(f, "goroutine {} [", g.goid())?;
        let reason = g.waitreason();
        if st == Gstatus::Gwaiting && !reason.as_str().is_empty() {
            f.write_str(reason.as_str())?;
        } else {
            f.write_str(st.name())?;
        }
        if self.which == Which::Leaked {
            f.write_str(" (leaked)")?;
        }
        if st == Gstatus::Gwaiting {
            let since = g.waitsince.load(Ordering::Relaxed);
            let waited = tsc::ticks_to_ns(cpu::rdtsc().saturating_sub(since));
            if let Some(m) = wait_minutes(waited) {
                write!(f, ", {m} minutes")?;
            }
        }
        if g.wired_m().is_some() {
            // `runtime::wire` is this kernel's `LockOSThread`.
            f.write_str(", locked to thread")?;
        }
        f.write_str("]:\n")?;
        let mine = getg().is_some_and(|me| core::ptr::eq(me, g));
        match st {
            _ if mine => frames(f, None, self.here)?,
            Gstatus::Gwaiting | Gstatus::Grunnable => {
                // SAFETY: the Gobuf is plain memory in a G that is never
                // freed; a G readied meanwhile leaves a stale copy, whose
                // chain `walk` checks link by link.
                let (rip, rbp) = unsafe {
                    let buf = g.gobuf();
                    (
                        core::ptr::read_volatile(&raw const (*buf).rip),
                        core::ptr::read_volatile(&raw const (*buf).rbp),
                    )
                };
                if rbp == 0 {
                    // Never ran: RIP is its entry, not a return address.
                    writeln!(f, "{FRAMES_PREFIX} !{rip:#x}")?;
                } else {
                    frames(f, Some(rip), rbp)?;
                }
            }
            _ => writeln!(f, "{STACK_UNAVAILABLE}")?,
        }
        let gopc = g.gopc.load(Ordering::Relaxed);
        // Go names no creator for the main G (goid 1).
        if g.goid() != 1 && in_kernel(gopc) {
            write!(f, "created by {gopc:#x}")?;
            match g.parent_goid.load(Ordering::Relaxed) {
                0 => {}
                k => write!(f, " in goroutine {k}")?,
            }
            f.write_str("\n")?;
        }
        f.write_str("\n")
    }
}

/// The frames line: `first` (a saved return address), then the chain at
/// `rbp`.
fn frames(f: &mut fmt::Formatter<'_>, first: Option<u64>, rbp: u64) -> fmt::Result {
    f.write_str(FRAMES_PREFIX)?;
    if let Some(pc) = first.filter(|pc| in_kernel(*pc)) {
        write!(f, " {pc:#x}")?;
    }
    let mut r = Ok(());
    walk(rbp, |pc| {
        if r.is_ok() {
            r = write!(f, " {pc:#x}");
        }
    });
    r?;
    f.write_str("\n")
}

/// Gs listed by the end-of-run report; the rest are counted.
pub const EXIT_LIMIT: usize = 20;

/// The end-of-run report (Go 1.27's `goroutineleak` profile): every G
/// still blocked on a channel, select or `sync` primitive when the main G
/// returned, with where it was created. Go proves a leak by finding the
/// primitive unreachable from any live G; here the main G has returned
/// and the run is over, so nothing will ever wake them. Silent when there
/// are none. Called from a stopped world.
pub fn report_leaks() {
    let mut n = 0;
    allg::for_each(|g| {
        if selected(g, Which::Leaked) {
            n += 1;
        }
    });
    if n == 0 {
        return;
    }
    crate::kprintln!(
        "goroutineleak profile: total {n} (blocked on a channel or lock when the main G returned)\n"
    );
    dump(
        Which::Leaked,
        EXIT_LIMIT,
        crate::arch::backtrace::current_rbp(),
        &mut |a| crate::arch::console::_print(a),
    );
}
