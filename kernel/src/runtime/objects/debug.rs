//! The runtime's knobs, read once — Go's `debug` variable.
//!
//! Boot options arrive as one string through QEMU's fw_cfg and are parsed
//! by the portable parser the runner also uses (`gmp_sched::options`), so
//! the runner has already refused a bad option in one sentence; a bad
//! option that still reaches the kernel (`--raw-boot-options`, a
//! hand-written QEMU command line) stops the boot with the same sentence.
//!
//! Design note: like Go's `debug` struct (filled from GODEBUG once, in
//! `parsedebugvars`), the switches the scheduler consults are copied at
//! boot into [`Knobs`], a plain struct that is written exactly once — on
//! the bootstrap core, before any other core runs and before the scheduler
//! starts — and only read afterwards. A hot path pays one plain load per
//! switch and never a `Once` check, an atomic or a string compare; a fault
//! to inject is an enum, and most of them are tested only on cold paths.
//! The full [`BootOptions`] stay available to workloads through
//! [`options`]. The decisions a scheduling policy makes (`runnext`, the
//! fairness interval, stealing, the spinning cap, the time slice) are not
//! knobs but the policy's (`objects::policy`), which the historical
//! switches (`runnext=off`, ...) modify at boot. The one switch that may change while the machine runs, the
//! preemption mode, lives in `scheduler::preempt` as an atomic, which
//! `start` sets from the options.

use core::cell::UnsafeCell;

use gmp_sched::options::{BootOptions, Fault, SchedModel, parse};

use crate::arch::exit::{ExitCode, exit_qemu};
use crate::arch::fwcfg;
use crate::kprintln;

static OPTIONS: spin::Once<BootOptions> = spin::Once::new();

/// The switches the scheduler reads on its paths.
#[derive(Clone, Copy, Debug)]
pub struct Knobs {
    /// `sched=gm`: the Go 1.0 model, one global queue and no local queues.
    pub gm_model: bool,
    /// `fault`: the fault to provoke or the scheduler bug switched on.
    pub fault: Fault,
    /// `icount`: QEMU runs every vCPU round-robin on one host thread under
    /// `-icount`, where a run must be a function of its inputs.
    pub icount: bool,
}

impl Knobs {
    /// Go's defaults, in force until [`init`].
    const DEFAULT: Knobs = Knobs {
        gm_model: false,
        fault: Fault::None,
        icount: false,
    };

    fn from(o: &BootOptions) -> Knobs {
        Knobs {
            gm_model: o.sched == SchedModel::Gm,
            fault: o.fault,
            icount: o.icount,
        }
    }
}

struct KnobsCell(UnsafeCell<Knobs>);

// SAFETY: written once by `init`, on the bootstrap core, before any other
// core is started and before any code that reads it runs; read-only after.
// Starting a core (INIT/SIPI after `init`) orders the write before every
// read on that core.
unsafe impl Sync for KnobsCell {}

static KNOBS: KnobsCell = KnobsCell(UnsafeCell::new(Knobs::DEFAULT));

/// The switches in force (plain loads).
#[inline(always)]
pub fn knobs() -> &'static Knobs {
    // SAFETY: see `KnobsCell`: no write happens after other readers exist.
    unsafe { &*KNOBS.0.get() }
}

/// Read and parse the options; on error print `boot option error: ...` and
/// fail the run. Bootstrap core, once, after the heap exists and before
/// any other core is started.
pub fn init() {
    let text = fwcfg::boot_cmdline();
    match parse(&text) {
        Ok(opts) => {
            kprintln!("boot options: {opts}");
            // SAFETY: the single write, on the bootstrap core before any
            // other core runs (see `KnobsCell`); no reference from `knobs`
            // is alive across it (nothing has run that reads it).
            unsafe { *KNOBS.0.get() = Knobs::from(&opts) };
            crate::runtime::objects::policy::init(&opts);
            OPTIONS.call_once(|| opts);
        }
        Err(e) => {
            kprintln!("boot option error: {e}");
            exit_qemu(ExitCode::Failure)
        }
    }
}

/// The boot options in force.
pub fn options() -> &'static BootOptions {
    OPTIONS
        .get()
        .expect("boot options are read before the scheduler starts")
}
