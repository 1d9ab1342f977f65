//! Boot options: read from QEMU's fw_cfg, parsed by the portable parser the
//! runner also uses, kept for the kernel's lifetime.
//!
//! A bad option stops the boot with the parser's one-sentence message (the
//! runner validates first, so this path is reached only with
//! `--raw-boot-options`, a hand-written QEMU command line, or a mismatch
//! between runner and kernel versions).

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
            OPTIONS.call_once(|| opts);
        }
        Err(e) => {
            kprintln!("boot option error: {e}");
            exit_qemu(ExitCode::Failure)
        }
    }
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
