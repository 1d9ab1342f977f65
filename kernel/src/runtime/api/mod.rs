//! The runtime API a workload is written against (re-exported as
//! [`crate::prelude`]): Go's concurrency in Rust clothes.
//!
//! | Go | here |
//! |---|---|
//! | `go f()` | [`go`]`(move \|\| f())` |
//! | `runtime.Gosched()` | [`gosched`]`()` |
//! | `make(chan T, n)` | [`Chan::new`]`(n)`; `send`, `recv` (`None` once closed and drained), `try_send`, `try_recv`, `close` |
//! | `select { case v := <-a: ...; case b <- x: ...; default: ... }` | [`select!`](crate::select)`{ recv(a) -> v => ..., send(b, x) => ..., default => ... }` |
//! | `time.Sleep(d)` | [`sleep`]`(ns)`; [`nanotime`]`()` |
//! | `sync.Mutex`, `sync.WaitGroup`, `sync.Once` | [`Mutex`], [`WaitGroup`], [`Once`] |
//! | a blocking system call | [`blocking_call`]`(ns)` (the P is handed off meanwhile) |
//! | `runtime.GOMAXPROCS(n)`, `runtime.NumCPU()` | [`gomaxprocs`]`(n)` (`0` reads), [`ncpu`]`()` |
//! | `os.Stdin.Read`, `bufio.Reader.ReadByte`, `ReadString('\n')` | [`read`]`(buf)`, [`read_byte`]`()`, [`read_line`]`(max)` (console input; the G parks in the netpoller) |
//! | `runtime.LockOSThread()` | [`wire`]`()` (the G stays on its core, which keeps its P; see `runtime::wire`) |
//!
//! A workload is `pub fn run() -> Verdict`: `Ok(())` when everything it
//! checked held, `Err(why)` naming the first thing that did not (see
//! docs/WORKLOADS.md). Two things a workload must not do: block with
//! interrupts off (there is no API for that — and `kernel/src/arch` is not
//! for workloads), and spin forever without yielding under `preempt=off`,
//! which nothing can interrupt (under `coop` a spinning G is preempted only
//! at the calls above).

pub mod input;

pub use alloc::format;
pub use alloc::string::{String, ToString};
pub use alloc::sync::Arc;
pub use alloc::vec;
pub use alloc::vec::Vec;

pub use crate::runtime::api::input::{Line, input_open, read, read_byte, read_line};
pub use crate::runtime::gsync::chan::Chan;
pub use crate::runtime::gsync::mutex::{Mutex, MutexGuard, Once};
pub use crate::runtime::gsync::select::{RecvCase, SelectCase, SendCase, select};
pub use crate::runtime::gsync::waitgroup::WaitGroup;
pub use crate::runtime::inspect::counters::{Counters, counters, counters_per_p};
pub use crate::runtime::inspect::introspect::{
    GInfo, goroutine_dump, goroutines, netpoll_report, num_goroutine, num_waiting, policy_name,
    schedtrace_now, set_policy, set_preempt, spawn_room, trace_recording,
};
pub use crate::runtime::inspect::metrics::report as metrics_report;
pub use crate::runtime::objects::debug::options;
pub use crate::runtime::scheduler::newproc::go;
pub use crate::runtime::scheduler::park::gosched;
pub use crate::runtime::scheduler::syscall::blocking_call;
pub use crate::runtime::scheduler::time::{nanotime, sleep};
pub use crate::runtime::scheduler::wire::{unwire, wire};
pub use crate::{kprint, kprintln, select};
pub use gmp_sched::waitreason::WaitReason;

/// What a workload returns: `Ok(())`, or the first thing that went wrong.
pub type Verdict = Result<(), String>;

/// A millisecond, in the nanoseconds [`sleep`] and [`nanotime`] use.
pub const MS: u64 = 1_000_000;

/// The id of the P the calling G runs on (`u32::MAX` in a blocking call,
/// which holds no P). Read with interrupts off: the G may move to another
/// P right after, so the answer is where it *was*.
pub fn this_p() -> u32 {
    let were = crate::arch::cpu::interrupts_disable_save();
    let p = crate::runtime::objects::m::this_m()
        .p()
        .map_or(u32::MAX, |pp| pp.id);
    crate::arch::cpu::interrupts_restore(were);
    p
}

/// The id of the M (core) the calling G runs on; as [`this_p`], where it
/// was when asked.
pub fn this_m() -> u32 {
    crate::arch::percpu::this_cpu_id()
}

/// Set GOMAXPROCS to `n` and return the previous value, as Go's
/// `runtime.GOMAXPROCS(n)`: `n == 0` only reads it; a change stops the
/// world and resizes the set of Ps (`runtime::stw`); `n` above the core
/// count is clamped to it with a one-line notice (a P needs a core here).
pub fn gomaxprocs(n: u32) -> u32 {
    crate::runtime::scheduler::stw::gomaxprocs_set(n)
}

/// What one GOMAXPROCS change did: the counts before and after, what the
/// destroyed Ps handed over, and how long the world was stopped.
#[derive(Clone, Copy, Debug)]
pub struct Resize {
    pub old: u32,
    pub new: u32,
    /// Runnable Gs moved to the global queue, dead Gs moved to the global
    /// free list, timers moved to a surviving P.
    pub moved_runnable: u32,
    pub moved_dead: u32,
    pub moved_timers: usize,
    /// From the stop's request to the last P stopping, in ns (instructions
    /// under `--icount`).
    pub stop_ns: u64,
}

/// [`gomaxprocs`]`(n)` for a caller that wants to see what the change did
/// (the `resize` demo): always stops the world, even for no change.
pub fn gomaxprocs_resize(n: u32) -> Resize {
    let (r, took) = crate::runtime::scheduler::stw::resize(n);
    Resize {
        old: r.old,
        new: r.new,
        moved_runnable: r.moved.runnable,
        moved_dead: r.moved.dead,
        moved_timers: r.moved.timers,
        stop_ns: crate::arch::tsc::ticks_to_ns(took),
    }
}

/// This G's CPU time so far, in ns, counting the stretch it is running
/// now: `None` unless tracking is on (`tracking=on`, or [`track_cputime`]).
pub fn cputime() -> Option<u64> {
    if !crate::runtime::diag::tracking::enabled() {
        return None;
    }
    let were = crate::arch::cpu::interrupts_disable_save();
    let gp = crate::runtime::objects::g::getg().expect("cputime on a G");
    let ns = crate::runtime::diag::tracking::running_cputime_ns(gp);
    crate::arch::cpu::interrupts_restore(were);
    Some(ns)
}

/// Start tracking CPU time and scheduling latency now, as `tracking=on`
/// does from boot (Gs already running count from their next start); does
/// nothing if tracking is on.
pub fn track_cputime() {
    crate::runtime::diag::tracking::init();
}

/// The number of cores (Ms) of this machine.
pub fn ncpu() -> u32 {
    crate::runtime::objects::m::mcount() as u32
}

/// Go's `select` statement over channel cases, with an optional `default`
/// (then it never blocks). Cases are tried in a random order, as Go does.
///
/// ```ignore
/// select! {
///     recv(jobs) -> job => match job {
///         Some(j) => work(j),
///         None => return, // closed and drained
///     },
///     send(results, r) => {}
///     default => idle(),
/// }
/// ```
///
/// A `recv` case binds `Option<T>` (`None`: the channel is closed and
/// drained). A `send` case's value is dropped if another case fires. Each
/// case body is an expression; the `select!` is an expression too.
#[macro_export]
macro_rules! select {
    ($($cases:tt)*) => {
        $crate::__select!(@acc [] @idx (0) $($cases)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select {
    // Every case parsed, no default: block until one fires.
    (@acc [$($case:tt)*] @idx ($($i:tt)*) $(,)?) => {
        $crate::__select!(@emit [$($case)*] true { unreachable!("a blocking select returned without a case") })
    };
    // A default case, last: never block.
    (@acc [$($case:tt)*] @idx ($($i:tt)*) default => $body:expr $(,)?) => {
        $crate::__select!(@emit [$($case)*] false $body)
    };
    (@acc [$($case:tt)*] @idx ($($i:tt)*) recv($ch:expr) -> $v:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select!(
            @acc [$($case)* (c ($($i)*) { $crate::runtime::gsync::select::RecvCase::new(&$ch) } { let $v = c.take(); $body })]
            @idx ($($i)* + 1) $($($rest)*)?
        )
    };
    (@acc [$($case:tt)*] @idx ($($i:tt)*) send($ch:expr, $val:expr) => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select!(
            @acc [$($case)* (c ($($i)*) { $crate::runtime::gsync::select::SendCase::new(&$ch, $val) } { $body })]
            @idx ($($i)* + 1) $($($rest)*)?
        )
    };
    (@emit [$( ($c:ident ($($i:tt)*) { $make:expr } { $fire:expr }) )*] $block:tt $default:expr) => {{
        $( #[allow(unused_mut)] let mut $c = $make; )*
        let fired = $crate::runtime::gsync::select::select(
            &mut [$( &mut $c as &mut dyn $crate::runtime::gsync::select::SelectCase ),*],
            $block,
        );
        match fired {
            $( Some(i) if i == ($($i)*) => $fire, )*
            None => $default,
            Some(_) => unreachable!("select fired a case it was not given"),
        }
    }};
}
