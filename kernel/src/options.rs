//! Boot options: read from QEMU's fw_cfg, parsed by the portable parser the
//! runner also uses, kept for the kernel's lifetime.
//!
//! A bad option stops the boot with the parser's one-sentence message (the
//! runner validates first, so this path is reached only with
//! `--raw-boot-options`, a hand-written QEMU command line, or a mismatch
//! between runner and kernel versions).

use core::sync::atomic::Ordering;

use gmp_sched::options::{BootOptions, SchedModel, parse};

use crate::arch::fwcfg;
use crate::exit::{ExitCode, exit_qemu};
use crate::kprintln;

static OPTIONS: spin::Once<BootOptions> = spin::Once::new();

/// Read and parse the options; on error print `boot option error: ...` and
/// fail the run. Bootstrap core, once, after the heap exists.
pub fn init() {
    let text = fwcfg::boot_cmdline();
    match parse(&text) {
        Ok(opts) => {
            kprintln!("boot options: {opts}");
            hot::GM_MODEL.store(opts.gm_model(), Ordering::Relaxed);
            hot::RUNNEXT.store(opts.runnext, Ordering::Relaxed);
            hot::FAIRNESS61.store(opts.fairness61, Ordering::Relaxed);
            OPTIONS.call_once(|| opts);
        }
        Err(e) => {
            kprintln!("boot option error: {e}");
            exit_qemu(ExitCode::Failure)
        }
    }
}

/// Copies of the options read on every switch, set by [`init`] before any
/// scheduler code runs (the `Once` in [`get`] publishes them to the other
/// cores): one plain load each on the hot paths, instead of the `Once`
/// state check plus the field.
pub mod hot {
    use core::sync::atomic::AtomicBool;

    /// `sched=gm` (see [`super::OptionsExt::gm_model`]).
    pub static GM_MODEL: AtomicBool = AtomicBool::new(false);
    /// `runnext`.
    pub static RUNNEXT: AtomicBool = AtomicBool::new(true);
    /// `fairness61`.
    pub static FAIRNESS61: AtomicBool = AtomicBool::new(true);
}

/// `sched=gm`, from [`hot`].
#[inline]
pub fn gm_model() -> bool {
    hot::GM_MODEL.load(Ordering::Relaxed)
}

/// The options in force.
pub fn get() -> &'static BootOptions {
    OPTIONS
        .get()
        .expect("boot options are read before the scheduler starts")
}

/// Convenience predicates on the options.
pub trait OptionsExt {
    /// `sched=gm`: the Go 1.0 model, one global queue and no local queues.
    fn gm_model(&self) -> bool;
}

impl OptionsExt for BootOptions {
    fn gm_model(&self) -> bool {
        self.sched == SchedModel::Gm
    }
}
