//! Creating and ending Gs: `go` (Go's `newproc`), `goexit`, and the free-G
//! lists (`gfput`/`gfget`).
//!
//! A new G's closure is moved to the top of the G's own stack, the way Go
//! copies a goroutine's arguments onto its new stack: no heap allocation
//! per spawn. Together with the free lists — a dead G keeps its stack and
//! goes to its P's free list (spilling to the global list when that holds
//! 64, down to 31, Go's thresholds), and a spawn first takes a G from there —
//! a warmed-up `go` touches neither the heap nor the frame allocator.

use alloc::boxed::Box;
use core::ptr::NonNull;
use core::sync::atomic::Ordering;

use crate::arch::context::Gobuf;
use crate::arch::cpu;
use crate::mem::gstack;
use crate::runtime::objects::g::{Entry, G, Gstatus};
use crate::runtime::objects::p::P;
use crate::runtime::objects::sched::{GOID_CACHE_BATCH, SCHED};
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::proc;

/// Start `f` as a new goroutine (Go's `go` statement). Callable from any G
/// and from boot code on g0 of an M holding a P. The new G goes into this
/// P's `runnext` (the previous occupant moves to the ring's tail), then
/// `wakep` looks for an idle P to put another M to work.
///
/// Never inlined: its return address is the `go` call site, which the new
/// G keeps (Go's `gopc`) for the `created by` line of goroutine dumps.
#[inline(never)]
pub fn go<F>(f: F)
where
    F: FnOnce() + Send + 'static,
{
    let gopc = crate::arch::backtrace::return_address();
    let were = cpu::interrupts_disable_save();
    let m = crate::runtime::objects::m::this_m();
    let pp = m.p().expect("go: this M holds no P");
    let newg = newproc1(pp, f, gopc);
    observe::go_create(newg);
    proc::runqput(pp, newg, true);
    if SCHED.main_started.load(Ordering::Relaxed) {
        proc::wakep();
    }
    cpu::interrupts_restore(were);
}

/// Make a runnable G for `f`, created by the `go` call returning to
/// `gopc` (Go's `newproc1`).
///
/// Context: interrupts off, holding `pp`.
fn newproc1<F>(pp: &'static P, f: F, gopc: u64) -> &'static G
where
    F: FnOnce() + Send + 'static,
{
    let gp = match gfget(pp) {
        Some(gp) => gp,
        None => malg(),
    };
    let top = gp.stack.top.as_u64();
    let size = core::mem::size_of::<F>() as u64;
    let align = core::mem::align_of::<F>().max(16) as u64;
    assert!(
        size <= gstack::stack_size() / 4,
        "go: closure of {size} bytes is too large for a G stack"
    );
    // The top 16 bytes hold the stack canary (see `G::canary_addr`).
    let data = (top - 16 - size) & !(align - 1);
    // SAFETY: `data..data+size` lies at the top of `gp`'s stack, which is
    // mapped and unused while the G is dead/idle and owned by us.
    unsafe { core::ptr::write(data as *mut F, f) };
    // SAFETY: we own `gp` (it is Gdead/Gidle and on no list).
    unsafe { *gp.gobuf() = Gobuf::new_entry(data & !15, gostart) };
    gp.set_canary();
    gp.set_entry(Entry {
        call: call_closure::<F>,
        data: data as *mut u8,
    });
    gp.set_goid(next_goid(pp));
    gp.parent_goid.store(
        crate::runtime::objects::g::getg().map_or(0, |g| g.goid()),
        Ordering::Relaxed,
    );
    gp.gopc.store(gopc, Ordering::Relaxed);
    gp.preempt.store(false, Ordering::Relaxed);
    gp.casgstatus(Gstatus::Gdead, Gstatus::Grunnable);
    pp.stats.spawned.fetch_add(1, Ordering::Relaxed);
    gp
}

/// Allocate a brand-new G with its stack (Go's `malg`), in status `Gdead`.
fn malg() -> &'static G {
    let (stk, slot) = match gstack::alloc() {
        Ok(s) => s,
        Err(e) => panic!(
            "out of memory: cannot allocate a {} KiB stack for a new G ({:?}; {} G stacks exist, {} frames free)",
            gstack::stack_size() / 1024,
            e,
            gstack::allocated(),
            crate::mem::frame::available()
        ),
    };
    let gp = match Box::try_new(G::new(stk, slot)) {
        Ok(b) => Box::leak(b),
        Err(_) => panic!(
            "out of memory: cannot allocate a new G ({} bytes of heap; {} G stacks exist, heap {:?})",
            core::mem::size_of::<G>(),
            gstack::allocated(),
            crate::mem::heap::stats()
        ),
    };
    gp.casgstatus(Gstatus::Gidle, Gstatus::Gdead);
    crate::runtime::objects::allg::allgadd(gp);
    gp
}

fn next_goid(pp: &P) -> u64 {
    // SAFETY: the caller holds `pp`, interrupts off.
    let cache = unsafe { pp.goidcache() };
    if cache.0 == cache.1 {
        let end = SCHED.goidgen.fetch_add(GOID_CACHE_BATCH, Ordering::Relaxed) + GOID_CACHE_BATCH;
        *cache = (end - GOID_CACHE_BATCH + 1, end + 1);
    }
    let goid = cache.0;
    cache.0 += 1;
    goid
}

/// Put a dead G on `pp`'s free list, spilling to the global list.
#[inline]
fn gfput(pp: &P, gp: &'static G) {
    // SAFETY: the caller holds `pp`, interrupts off.
    let local = unsafe { pp.gfree() };
    // SAFETY: `gp` is dead and on no list.
    unsafe { local.gfput(NonNull::from(gp), || SCHED.gfree.lock()) };
}

/// For the `spawn-cold` benchmark: when set, every spawn allocates a new G
/// and stack instead of reusing a dead one (dead Gs still go to the lists).
pub static GFREE_BYPASS: core::sync::atomic::AtomicBool =
    core::sync::atomic::AtomicBool::new(false);

/// Take a dead G for reuse, refilling from the global list when the local
/// one is empty.
fn gfget(pp: &P) -> Option<&'static G> {
    if GFREE_BYPASS.load(Ordering::Relaxed) {
        return None;
    }
    // SAFETY: the caller holds `pp`, interrupts off.
    let local = unsafe { pp.gfree() };
    let g = local.gfget(|| Some(SCHED.gfree.lock()))?;
    // SAFETY: free-list entries are live (leaked) Gs.
    Some(unsafe { &*g.as_ptr() })
}

unsafe fn call_closure<F: FnOnce()>(data: *mut u8) {
    // SAFETY: `data` holds the `F` written by newproc1, read exactly once.
    let f = unsafe { core::ptr::read(data as *mut F) };
    f()
}

/// Where every G starts (its Gobuf's RIP).
extern "C" fn gostart() -> ! {
    let gp = crate::runtime::objects::g::getg().expect("gostart: no current G");
    let entry = gp
        .take_entry()
        .expect("gostart: G started without an entry");
    cpu::interrupts_enable();
    // SAFETY: the entry was built by newproc1 for this G.
    unsafe { (entry.call)(entry.data) };
    goexit1()
}

/// Finish the current G (Go's `goexit1`): it becomes dead and reusable.
pub fn goexit1() -> ! {
    cpu::interrupts_disable();
    proc::mcall(goexit0);
    unreachable!("a dead G was resumed")
}

extern "C" fn goexit0(gp: *mut Gobuf) -> ! {
    // SAFETY: mcall passes the G that was running (Gobuf is its first field).
    let gp: &'static G = unsafe { &*(gp as *mut G) };
    let m = crate::runtime::objects::m::this_m();
    observe::go_end(gp);
    crate::runtime::scheduler::wire::release(m, gp);
    gp.casgstatus(Gstatus::Grunning, Gstatus::Gdead);
    proc::dropg(m, gp);
    gp.set_goid(0);
    let pp = m.p().expect("goexit0 without a P");
    pp.stats.exits.fetch_add(1, Ordering::Relaxed);
    gfput(pp, gp);
    proc::schedule()
}
