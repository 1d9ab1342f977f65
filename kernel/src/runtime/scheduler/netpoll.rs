//! The netpoller: Gs that wait for device input, and how they are woken.
//!
//! Design note (Go's `netpoll.go`, with the serial console for a socket).
//! A G that wants input and finds none parks on a poll descriptor
//! ([`PollDesc`]). Its `rg` word is Go's: `pdNil` (nothing), `pdReady`
//! (input arrived and nobody was waiting), `pdWait` (a G is about to
//! park), or the waiting G itself. The reader moves `pdNil → pdWait`, then
//! parks; `gopark`'s commit function (run on g0 once the G is switched
//! out) moves `pdWait → G`. The poller moves any state to `pdReady` and
//! readies the G it found. If input arrives between the reader's check and
//! its park, the poller has already left `pdReady`, the commit's CAS fails
//! and the park is aborted: no wake-up can be lost.
//!
//! Go's OS tells the netpoller which descriptors are ready (`epoll_wait`).
//! Here COM1's interrupt plays the OS: its handler ([`on_interrupt`])
//! moves the UART's bytes into the console's input ring (the driver's
//! part), marks the poller *pending* and, if a G waits and a P is idle,
//! wakes an idle M (`startm`). It never touches a run queue. The G is
//! readied by `netpoll(0)`, called as Go calls it:
//! - by `findRunnable` after the local and global queues, before stealing
//!   (step 4; one load when nothing is pending, so off the switch path);
//! - by `sysmon` when input has been pending for 10 ms and nobody has
//!   polled for 10 ms (the busy machine, where no M runs dry: the G goes
//!   to the global queue);
//! - by an M that ran dry: Go's M blocks in `netpoll(delay)`; here the
//!   last M to park while a G waits routes COM1's line to its own core
//!   ([`before_park`]) and halts with interrupts on, so the keystroke's
//!   interrupt arrives on the halted core itself, whose handler hands it
//!   an idle P; it then finds the G in step 4.
//!
//! There is one descriptor (the console) and one reader at a time (Go
//! throws on two Gs waiting on one descriptor; here the API serialises
//! readers with a runtime `Mutex`).

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use gmp_sched::polldesc::{PollWord, Prepared};

use crate::arch::console;
use crate::arch::idt::{IRQ_COM1, VECTOR_COM1};
use crate::arch::ioapic;
use crate::runtime::objects::g::{G, Gstatus, WaitReason};
use crate::runtime::objects::m::{M, MAX_MS, this_m};
use crate::runtime::objects::sched::SCHED;
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::park;
use crate::runtime::scheduler::proc;
use crate::runtime::scheduler::time;

/// How long `sysmon` lets input wait before it polls itself (Go's 10 ms).
pub(crate) const SYSMON_POLL_NS: u64 = 10_000_000;

/// A poll descriptor (Go's `pollDesc`, read side only): its word holds
/// `pdNil`, `pdReady`, `pdWait` or the waiting G's address
/// (`gmp_sched::polldesc`, where the handshake is tested on the host).
pub struct PollDesc {
    rg: PollWord,
}

/// The console's descriptor.
static CONSOLE_PD: PollDesc = PollDesc {
    rg: PollWord::new(),
};

/// COM1 interrupted and no poll has looked since; since when.
static PENDING: AtomicBool = AtomicBool::new(false);
static PENDING_AT: AtomicU64 = AtomicU64::new(0);
/// Gs parked on a descriptor (Go's `netpollWaiters`).
static WAITERS: AtomicU32 = AtomicU32::new(0);
/// When `netpoll` last ran (Go's `sched.lastpoll`).
static LASTPOLL: AtomicU64 = AtomicU64::new(0);
/// APIC id COM1's line is routed to (`u32::MAX` before [`open`]).
static ROUTED_TO: AtomicU32 = AtomicU32::new(u32::MAX);
static INIT: spin::Once<()> = spin::Once::new();

gmp_sched::named_enum! {
    /// Who found the ready G, for the latency figures (named as the console
    /// shows them).
    pub enum Finder: u8 {
        /// An idle M, woken by the device's interrupt (the idle machine).
        IdleM = 0 => "an idle M woken by the device",
        /// `findRunnable` of an M that ran dry on its own (a busy machine).
        FindRunnable = 1 => "findRunnable of a running M",
        /// `sysmon`'s 10 ms poll (a machine too busy to run dry).
        Sysmon = 2 => "sysmon's 10 ms poll",
    }
}

/// How many [`Finder`]s there are: one latency figure each.
const FINDERS: usize = Finder::ALL.len();

/// Counters for the summary and the console (all cores).
pub struct Stats {
    /// `netpoll` calls that found the device pending.
    pub polls: AtomicU64,
    /// Gs readied by `netpoll`.
    pub readied: AtomicU64,
    /// Interrupt-to-running latency (ns) of readied Gs, by [`Finder`]:
    /// samples, sum, minimum, maximum.
    pub lat_n: [AtomicU64; FINDERS],
    pub lat_sum: [AtomicU64; FINDERS],
    pub lat_min: [AtomicU64; FINDERS],
    pub lat_max: [AtomicU64; FINDERS],
    /// Parks aborted because input arrived between check and park.
    pub aborted_parks: AtomicU64,
}

pub static STATS: Stats = Stats {
    polls: AtomicU64::new(0),
    readied: AtomicU64::new(0),
    lat_n: [const { AtomicU64::new(0) }; FINDERS],
    lat_sum: [const { AtomicU64::new(0) }; FINDERS],
    lat_min: [const { AtomicU64::new(u64::MAX) }; FINDERS],
    lat_max: [const { AtomicU64::new(0) }; FINDERS],
    aborted_parks: AtomicU64::new(0),
};

/// COM1 interrupts taken, by M.
pub static IRQS: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];

/// `nanotime` of the interrupt whose input is not yet read (0: none), and
/// whether that interrupt woke an idle M.
static IRQ_AT: AtomicU64 = AtomicU64::new(0);
static WOKE_IDLE: AtomicBool = AtomicBool::new(false);
/// Who readied the waiting G (a [`Finder`]), read when it runs.
static FOUND_BY: AtomicU32 = AtomicU32::new(u32::MAX);

/// Route COM1's receive interrupt to this core and turn it on (Go's
/// `netpollGenericInit`: on first use).
pub(crate) fn open() {
    INIT.call_once(|| {
        // This core, or M0 (the bootstrap core) if this one is out of the
        // I/O APIC's reach (an x2APIC id past 255).
        let m = Some(this_m())
            .filter(|m| m.apic() <= 0xff)
            .unwrap_or(&crate::runtime::objects::m::all()[0]);
        let apic = m.apic();
        match ioapic::route(IRQ_COM1, VECTOR_COM1, apic) {
            Ok(gsi) => {
                ROUTED_TO.store(apic, Ordering::Relaxed);
                // The runner starts piping input at this line (boot/input.rs).
                crate::kprintln!(
                    "netpoll: COM1 input on (ISA IRQ {IRQ_COM1} -> GSI {gsi}, vector {VECTOR_COM1:#x}, to M{})",
                    m.id
                );
            }
            Err(e) => panic!("netpoll: cannot route COM1's interrupt: {e}"),
        }
        LASTPOLL.store(time::nanotime(), Ordering::Relaxed);
        console::rx_interrupts_on();
        // Bytes that arrived before the line was routed raised no
        // interrupt we saw: take them now.
        if console::rx_drain() > 0 {
            PENDING.store(true, Ordering::SeqCst);
        }
    });
}

/// Whether any G ever read console input (the summary's netpoll lines).
pub(crate) fn used() -> bool {
    INIT.is_completed()
}

/// Whether a poll would find something: the device interrupted and a G
/// waits. One load on the usual path (nothing pending).
#[inline(always)]
pub(crate) fn pending() -> bool {
    PENDING.load(Ordering::Relaxed) && WAITERS.load(Ordering::Relaxed) != 0
}

/// COM1's interrupt (Go's OS marking a descriptor ready).
///
/// Context: interrupt handler, EOI sent, interrupts off.
pub(crate) fn on_interrupt() {
    let m = this_m();
    IRQS[m.id as usize].fetch_add(1, Ordering::Relaxed);
    let now = time::nanotime();
    console::rx_drain();
    let _ = IRQ_AT.compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
    if !PENDING.swap(true, Ordering::SeqCst) {
        PENDING_AT.store(now, Ordering::Relaxed);
    }
    // Pairs with the fence in `findRunnable`'s step 6 (`recheck_before_park`):
    // either that M sees PENDING, or we see its idle P here.
    core::sync::atomic::fence(Ordering::SeqCst);
    if WAITERS.load(Ordering::SeqCst) != 0 && SCHED.npidle.load(Ordering::SeqCst) > 0 {
        // An idle P and a waiting G: start an M for it (usually this
        // halted core itself, the last M to park).
        WOKE_IDLE.store(true, Ordering::Relaxed);
        proc::startm(None, false);
    }
}

/// Poll without blocking (Go's `netpoll(0)`): the G that waited for the
/// input that arrived, now `Grunnable`, or `None`.
///
/// Context: interrupts off (g0 in `findRunnable`, or sysmon's tick).
pub(crate) fn netpoll(by: Finder) -> Option<&'static G> {
    if !PENDING.swap(false, Ordering::SeqCst) {
        return None;
    }
    STATS.polls.fetch_add(1, Ordering::Relaxed);
    LASTPOLL.store(time::nanotime(), Ordering::Relaxed);
    if !console::rx_buffered() {
        return None;
    }
    let gp = CONSOLE_PD.netpollunblock()?;
    let by = if by == Finder::FindRunnable && WOKE_IDLE.swap(false, Ordering::Relaxed) {
        Finder::IdleM
    } else {
        by
    };
    FOUND_BY.store(by as u32, Ordering::Relaxed);
    WAITERS.fetch_sub(1, Ordering::AcqRel);
    STATS.readied.fetch_add(1, Ordering::Relaxed);
    observe::netpoll_ready(gp);
    gp.casgstatus(Gstatus::Gwaiting, Gstatus::Grunnable);
    Some(gp)
}

/// `sysmon`'s poll: if input waited 10 ms with nobody polling for 10 ms,
/// ready its G into the global queue (Go's `injectglist` from sysmon,
/// which has no P). Go's sysmon polls when nobody has for 10 ms and no M
/// blocks in netpoll; here the blocked M is a halted core that the
/// device wakes at once, so what sysmon waits for is input left pending
/// (on an idle machine it never is for long, and sysmon stays out).
///
/// Context: M0's timer interrupt. One load when nothing is pending (every
/// tick pays it: docs/budgets.toml's tick-idle).
#[inline(always)]
pub(crate) fn sysmon_poll(now: u64) {
    if PENDING.load(Ordering::Relaxed) {
        sysmon_poll_pending(now);
    }
}

#[cold]
#[inline(never)]
fn sysmon_poll_pending(now: u64) {
    if !pending()
        || PENDING_AT.load(Ordering::Relaxed) + SYSMON_POLL_NS > now
        || LASTPOLL.load(Ordering::Relaxed) + SYSMON_POLL_NS > now
    {
        return;
    }
    if let Some(gp) = netpoll(Finder::Sysmon) {
        proc::globrunqput(gp);
        if SCHED.npidle.load(Ordering::Acquire) > 0 {
            proc::startm(None, false);
        }
    }
}

/// Step 6, after this M gave its P back and before it parks: route COM1
/// to this core if a G waits (the interrupt then wakes this core
/// directly), and say whether input is already pending (then take a P back
/// instead of parking).
///
/// Context: g0, interrupts off, holding no P.
pub(crate) fn recheck_before_park(m: &M) -> bool {
    // Pairs with the fence in `on_interrupt` (see there).
    core::sync::atomic::fence(Ordering::SeqCst);
    if WAITERS.load(Ordering::SeqCst) == 0 {
        return false;
    }
    let apic = m.apic();
    let routed = ROUTED_TO.load(Ordering::Relaxed);
    if routed != apic && routed != u32::MAX && ioapic::route(IRQ_COM1, VECTOR_COM1, apic).is_ok() {
        ROUTED_TO.store(apic, Ordering::Relaxed);
    }
    PENDING.load(Ordering::SeqCst)
}

/// Whether Gs wait in the netpoller (`checkdead` must not call a machine
/// with such a G deadlocked: the device will wake it).
pub(crate) fn has_waiters() -> bool {
    WAITERS.load(Ordering::Acquire) != 0
}

impl PollDesc {
    /// Park until input is ready (Go's `netpollblock`); returns at once if
    /// it already is.
    fn netpollblock(&'static self) {
        match self.rg.prepare() {
            Ok(Prepared::Ready) => return,
            Ok(Prepared::Park) => {}
            Err(_) => panic!("runtime: netpollblock: two Gs wait on one poll descriptor"),
        }
        park::gopark(
            Some(netpollblockcommit),
            self as *const PollDesc as *const (),
            WaitReason::IoWait,
        );
        if self.rg.finish().is_err() {
            panic!("runtime: netpollblock: corrupted polldesc (a G still in it)");
        }
    }

    /// Mark the descriptor ready; the G that waited, if one did (Go's
    /// `netpollunblock` with `ioready`).
    fn netpollunblock(&self) -> Option<&'static G> {
        // SAFETY: only `netpollblockcommit` puts a G's address in the word,
        // and Gs are never freed.
        self.rg.unblock().map(|g| unsafe { &*(g as *const G) })
    }
}

/// `gopark`'s commit (Go's `netpollblockcommit`): publish the G, unless
/// input arrived meanwhile (then the park is aborted).
fn netpollblockcommit(gp: &G, pd: *const ()) -> bool {
    // SAFETY: `pd` is the `'static` PollDesc `netpollblock` passed.
    let pd = unsafe { &*(pd as *const PollDesc) };
    // Count first: a poller that sees the G must also see the count.
    WAITERS.fetch_add(1, Ordering::SeqCst);
    let ok = pd.rg.commit(gp as *const G as usize);
    if !ok {
        WAITERS.fetch_sub(1, Ordering::SeqCst);
        STATS.aborted_parks.fetch_add(1, Ordering::Relaxed);
    } else if PENDING.load(Ordering::SeqCst) {
        // The device interrupted before this G counted as waiting, so its
        // handler woke nobody: get a spinner to poll (an M with an idle P).
        proc::wakep();
    }
    ok
}

/// Read at least one byte of console input into `buf`, parking in the
/// netpoller until there is some. Returns the count. One reader at a time
/// (the API's `Mutex` sees to it).
pub(crate) fn read(buf: &mut [u8]) -> usize {
    if buf.is_empty() {
        return 0;
    }
    open();
    loop {
        let n = console::rx_read(buf);
        if n > 0 {
            record_latency();
            return n;
        }
        CONSOLE_PD.netpollblock();
    }
}

/// The reader got its input: if an interrupt started this, how long from
/// the interrupt to here, filed under who found the G.
fn record_latency() {
    let at = IRQ_AT.swap(0, Ordering::Relaxed);
    if at == 0 {
        return;
    }
    let by = FOUND_BY.swap(u32::MAX, Ordering::Relaxed) as usize;
    if by > 2 {
        // Read without parking (the bytes were already there).
        return;
    }
    let ns = time::nanotime().saturating_sub(at);
    STATS.lat_n[by].fetch_add(1, Ordering::Relaxed);
    STATS.lat_sum[by].fetch_add(ns, Ordering::Relaxed);
    STATS.lat_min[by].fetch_min(ns, Ordering::Relaxed);
    STATS.lat_max[by].fetch_max(ns, Ordering::Relaxed);
}
