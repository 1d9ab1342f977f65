//! From "every core online" to the first G — Go's `schedinit`,
//! `newproc(runtime.main)` and `mstart`.
//!
//! The bootstrap core creates the Ps (`procresize`), takes P0, puts the
//! others on the idle list, makes the main G (which runs the selected
//! workload) and enters the scheduler. Every other M enters the scheduler
//! without a P and parks at once; `wakep` hands them Ps as work appears.
//! When the main G's workload returns, the per-P summary is printed and the
//! machine exits with the workload's verdict (Go's `exit(0)` after
//! `main.main` returns: other Gs simply stop).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use gmp_sched::options::TraceMode;
use gmp_sched::rand::CheapRand;

use crate::arch::bootgate::BootGate;
use crate::arch::exit::{ExitCode, exit_qemu};
use crate::arch::{cpu, tsc};
use crate::kprintln;
use crate::mem::gstack;
use crate::runtime::api::Verdict;
use crate::runtime::objects::m;
use crate::runtime::objects::p::P;
use crate::runtime::objects::sched::{self, SCHED};
use crate::runtime::scheduler::newproc::go;
use crate::runtime::scheduler::proc;

/// Opened once the Ps exist, so APs can enter the scheduler; they wait
/// halted (see `BootGate`).
static SCHED_READY: BootGate = BootGate::new();

/// What the main G runs (Go's `main.main`): a name for the verdict line
/// and the function. Handed in by `boot`, so the runtime never names a
/// workload.
#[derive(Clone, Copy)]
pub struct MainG {
    pub name: &'static str,
    pub run: fn() -> Verdict,
}

static MAIN: spin::Once<MainG> = spin::Once::new();

/// Bootstrap core: set the scheduler up and run `main` on the main G.
/// Never returns.
pub fn start_m0(main: MainG) -> ! {
    MAIN.call_once(|| main);
    let opts = crate::runtime::objects::debug::options();
    crate::runtime::scheduler::preempt::set_mode(opts.preempt);
    let ncpu = m::mcount() as u32;
    let procs = opts.procs.unwrap_or(ncpu);
    if let Err(e) = gmp_sched::options::check_procs(procs, ncpu) {
        kprintln!("boot option error: {e}");
        exit_qemu(ExitCode::Failure);
    }
    if opts.lockstep > 0 && !opts.icount {
        kprintln!(
            "boot option error: lockstep={} needs icount=on (QEMU's -icount): use the runner's --lockstep, which sets both",
            opts.lockstep
        );
        exit_qemu(ExitCode::Failure);
    }
    let (hz, source) = tsc::calibrate(opts.icount);
    let apic_timer_hz = crate::arch::timer::init(opts.tick_ns);
    let seed = opts.seed.unwrap_or_else(cpu::rdtsc);
    sched::RAND_SEED.store(seed, Ordering::Relaxed);
    gstack::init(opts.stack_size as u64);
    for mp in m::all() {
        *mp.rand() = CheapRand::for_m(seed, mp.id);
    }
    kprintln!(
        "scheduler: gomaxprocs={procs} cores={ncpu} sched={} seed={seed} stack={}K tsc={}MHz ({:?}) timer={} ({} kHz) tick={}us preempt={}",
        opts.sched.as_str(),
        opts.stack_size / 1024,
        hz / 1_000_000,
        source,
        crate::arch::timer::mode_name(),
        apic_timer_hz / 1000,
        opts.tick_ns / 1000,
        opts.preempt.as_str()
    );
    match opts.trace {
        TraceMode::Off => {}
        TraceMode::On => crate::runtime::diag::trace::init(None),
        TraceMode::Flight => crate::runtime::diag::trace::init(Some(opts.flight_kib)),
    }
    procresize(procs);
    // `metrics=on` keeps tracking's latency histograms for
    // `/sched/latencies:seconds`.
    if opts.tracking || opts.metrics {
        crate::runtime::diag::tracking::init();
    }
    if opts.chaos > 0 {
        crate::runtime::diag::chaos::init(opts.chaos, seed);
    }
    crate::runtime::diag::chaos::stop_at(opts.stopat);
    go(runtime_main);
    if opts.lockstep > 0 {
        // Per-core instruction clocks (`arch::lockstep`): the quantum is in
        // instructions, which under icount are ns.
        crate::arch::lockstep::init(
            m::all().iter().map(|mp| mp.apic()),
            opts.lockstep as u64,
            opts.tick_ns,
        );
    }
    SCHED_READY.open(m::all()[1..].iter().map(|mp| mp.apic()));
    if opts.lockstep > 0 {
        crate::arch::lockstep::start();
        crate::runtime::diag::trace::observe_lockstep();
    }
    proc::mstart()
}

/// Application processors: wait for the Ps, then enter the scheduler.
pub fn start_ap() -> ! {
    SCHED_READY.wait();
    if crate::arch::lockstep::mode() {
        crate::arch::lockstep::ap_arrive();
    }
    proc::mstart()
}

/// Create the Ps — one per core, `nprocs` of them in use; M0 takes P0,
/// the rest of those go idle, the others are dead until a `gomaxprocs`
/// grows the set (Go's `procresize` at boot; `stw::procresize` later).
fn procresize(nprocs: u32) {
    let ncpu = m::mcount() as u32;
    let ps: Vec<P> = (0..ncpu).map(P::new).collect();
    let ps: &'static [P] = Box::leak(ps.into_boxed_slice());
    for pp in &ps[nprocs as usize..] {
        pp.set_status(crate::runtime::objects::p::Pstatus::Pdead);
    }
    sched::set_allp(ps, nprocs as usize);
    let ps = &ps[..nprocs as usize];
    SCHED.gomaxprocs.store(nprocs, Ordering::Release);
    proc::init_steal_order(nprocs);
    let m0 = &m::allm()[0];
    proc::acquirep(m0, &ps[0]);
    let mut s = sched::lock();
    for pp in ps[1..].iter().rev() {
        s.pidleput(pp);
    }
    // Idling at boot is not a park worth counting.
    for pp in &ps[1..] {
        pp.stats.parks.store(0, Ordering::Relaxed);
    }
}

/// The main G (Go's `runtime.main`): run the workload, report, exit.
fn runtime_main() {
    SCHED.main_started.store(true, Ordering::Release);
    let main = *MAIN.get().expect("start_m0 sets the main G first");
    let t0 = crate::arch::tsc::nanotime();
    let verdict = (main.run)();
    if verdict.is_err() {
        // The failure's instant is now, not after the report below: what
        // the report prints (a `stopat=` line when armed, say) must not
        // move the fingerprint a replay is held to.
        crate::arch::exit::mark_failure_now();
    }
    let elapsed_ms = (crate::arch::tsc::nanotime() - t0) / 1_000_000;
    // The trace covers the workload: it ends here, before the exit's stop.
    // (An error only says the run has no trace.)
    let _ = crate::runtime::diag::trace::set_recording(false);
    // Other Ms may still be running Gs (Gs that signalled the workload's
    // end and have yet to exit, or that it left behind): read every
    // end-of-run figure from a stopped world, so the columns describe one
    // instant and add up. The world is never restarted: the machine exits.
    let _world = match crate::runtime::scheduler::stw::stop_the_world_for_exit() {
        Ok(w) => Some(w),
        Err(crate::runtime::scheduler::stw::NotStopped(running)) => {
            let mut which = alloc::string::String::new();
            for (p, g) in &running {
                use core::fmt::Write;
                let _ = match g {
                    Some(g) => write!(which, " P{p} (G{g})"),
                    None => write!(which, " P{p}"),
                };
            }
            kprintln!(
                "summary: the world did not stop within 1 s (still running:{which}; a G that never reaches a safe point, e.g. under preempt=off); the figures below were read while those Ps ran"
            );
            None
        }
    };
    crate::runtime::inspect::summary::print();
    if crate::runtime::objects::debug::options().metrics {
        crate::runtime::inspect::metrics::emit();
    }
    crate::runtime::diag::goroutines::report_leaks();
    let (events, dropped) = crate::runtime::diag::trace::dump();
    if events + dropped > 0 {
        kprintln!("trace: {events} events written to COM2, {dropped} dropped (buffers full)");
    }
    let name = main.name;
    match verdict {
        Ok(()) => {
            kprintln!("workload {name}: ok ({elapsed_ms} ms)");
            exit_qemu(ExitCode::Success)
        }
        Err(why) => {
            kprintln!("workload {name}: FAILED: {why}");
            exit_qemu(ExitCode::Failure)
        }
    }
}
