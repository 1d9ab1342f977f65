//! `allgs`: every G ever created, for diagnostics (scheddetail, deadlock
//! reports, fault reports that name the G owning a stack slot).
//!
//! Gs are never freed (dead ones are reused), so the list only grows; it is
//! a chunked append-only array read without locks: a reader sees a prefix.

use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use crate::runtime::objects::g::G;
use crate::sync::IrqMutex;

const CHUNK: usize = 4096;
const MAX_CHUNKS: usize = 1024;

struct Chunk([AtomicPtr<G>; CHUNK]);

static CHUNKS: [AtomicPtr<Chunk>; MAX_CHUNKS] = [const { AtomicPtr::new(null_mut()) }; MAX_CHUNKS];
static LEN: AtomicUsize = AtomicUsize::new(0);
static APPEND: IrqMutex<()> = IrqMutex::new(());

/// Record a new G (Go's `allgadd`).
pub fn allgadd(gp: &'static G) {
    let _guard = APPEND.lock();
    let i = LEN.load(Ordering::Relaxed);
    let (c, off) = (i / CHUNK, i % CHUNK);
    assert!(
        c < MAX_CHUNKS,
        "allgadd: more than {} Gs",
        CHUNK * MAX_CHUNKS
    );
    if CHUNKS[c].load(Ordering::Relaxed).is_null() {
        // Allocate the 32 KiB chunk zeroed, straight on the heap: building
        // it as a value first could put it on the (16 KiB) stack of the G
        // that happens to spawn the 4097th G.
        let layout = core::alloc::Layout::new::<Chunk>();
        // SAFETY: the layout is non-zero-sized; all-zero bytes are valid
        // null `AtomicPtr`s, so the zeroed memory is a valid `Chunk`.
        let chunk = unsafe { alloc::alloc::alloc_zeroed(layout) } as *mut Chunk;
        if chunk.is_null() {
            alloc::alloc::handle_alloc_error(layout);
        }
        CHUNKS[c].store(chunk, Ordering::Release);
    }
    // SAFETY: the chunk pointer was just published or is an earlier leak.
    let chunk = unsafe { &*CHUNKS[c].load(Ordering::Acquire) };
    chunk.0[off].store(gp as *const G as *mut G, Ordering::Release);
    LEN.store(i + 1, Ordering::Release);
}

/// Number of Gs ever created.
pub fn allglen() -> usize {
    LEN.load(Ordering::Acquire)
}

/// Visit every G created so far.
pub fn for_each(mut f: impl FnMut(&'static G)) {
    let n = allglen();
    for i in 0..n {
        // SAFETY: entries below LEN were published with Release before LEN.
        let chunk = unsafe { &*CHUNKS[i / CHUNK].load(Ordering::Acquire) };
        let gp = chunk.0[i % CHUNK].load(Ordering::Acquire);
        // SAFETY: Gs are leaked and never freed.
        f(unsafe { &*gp });
    }
}

/// The G whose stack occupies `slot`, if any.
pub fn by_stack_slot(slot: usize) -> Option<&'static G> {
    let mut found = None;
    for_each(|g| {
        if g.stack_slot == slot {
            found = Some(g);
        }
    });
    found
}

/// Heap bytes the `allgs` chunks take when `n` Gs exist.
pub fn chunk_bytes(n: usize) -> u64 {
    (n.div_ceil(CHUNK) * core::mem::size_of::<Chunk>()) as u64
}

/// The live Gs by state, `[running, runnable, waiting, in blocking calls]`
/// (idle and dead Gs are not live): one walk of `allgs` for the summary's
/// `Gs:` line and runtime/metrics' per-state counts. Read without locks:
/// during a run the counts are of a moment, not one instant.
pub fn count_live_by_state() -> [u64; 4] {
    use crate::runtime::objects::g::Gstatus;
    let mut live = [0u64; 4];
    for_each(|gp| {
        let i = match gp.status() {
            Gstatus::Grunning => 0,
            Gstatus::Grunnable => 1,
            Gstatus::Gwaiting => 2,
            Gstatus::Gsyscall => 3,
            Gstatus::Gidle | Gstatus::Gdead => return,
        };
        live[i] += 1;
    });
    live
}
