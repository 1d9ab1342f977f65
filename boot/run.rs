//! The `Run` builder: one QEMU boot of the kernel, as the binary and the
//! tests describe it.
//!
//! Design note: `cargo run -- ...` and the integration tests go through
//! this one type, so what the tests prove is what users run. Building a run
//! checks nothing; `prepare` does every host-side check (sizes, topology,
//! boot options, KVM, OVMF, the QEMU binary's absence only shows at spawn)
//! in a fixed order and yields the exact command line, which the binary can
//! print before `execute` starts QEMU.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::accel::Accel;
use crate::bootopts::BootArgs;
use crate::error::RunError;
use crate::exec;
use crate::gdb;
use crate::image::{Firmware, KERNEL_ELF};
use crate::input::Input;
use crate::memory::Memory;
use crate::outcome::Outcome;
use crate::ovmf::{Ovmf, TempFile};
use crate::qemu::{Machine, QemuCommand};
use crate::smp::Smp;
use crate::trace;
use crate::x2apic;

/// The QEMU binary when neither `--qemu` nor `GMP_QEMU` says otherwise.
pub const DEFAULT_QEMU: &str = "qemu-system-x86_64";
/// `--smp` default.
pub const DEFAULT_SMP: &str = "4";
/// `--memory` default.
pub const DEFAULT_MEMORY: &str = "1G";
/// `--timeout` default, except with `--gdb` (no timeout).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timeout {
    /// [`DEFAULT_TIMEOUT`], or none with `gdb`.
    Default,
    After(Duration),
    Never,
}

/// One boot of the kernel in QEMU. Defaults: 4 cores, 1 GiB, TCG, BIOS,
/// 300 s timeout, serial echoed to stdout.
///
/// ```no_run
/// use std::time::Duration;
/// use gmp_metal::{Run, Verdict};
/// let outcome = Run::new()
///     .smp("2")
///     .memory("512M")
///     .boot_opt("procs=2")
///     .timeout(Duration::from_secs(60))
///     .echo(false)
///     .run()
///     .expect("QEMU started");
/// assert_eq!(outcome.verdict, Verdict::Success);
/// assert!(outcome.serial.contains("all 2 Ms online"));
/// ```
#[derive(Clone, Debug)]
pub struct Run {
    qemu: OsString,
    smp: String,
    memory: String,
    accel: Accel,
    x2apic: bool,
    firmware: Firmware,
    timeout: Timeout,
    gdb: bool,
    icount: bool,
    boot: BootArgs,
    qemu_args: Vec<OsString>,
    echo: bool,
    trace_dir: Option<PathBuf>,
    input: Option<Input>,
}

impl Default for Run {
    fn default() -> Self {
        Run::new()
    }
}

impl Run {
    /// A run with the defaults (QEMU from `GMP_QEMU` if set).
    pub fn new() -> Run {
        Run {
            qemu: std::env::var_os("GMP_QEMU").unwrap_or_else(|| DEFAULT_QEMU.into()),
            smp: DEFAULT_SMP.into(),
            memory: DEFAULT_MEMORY.into(),
            accel: Accel::Tcg,
            x2apic: false,
            firmware: Firmware::Bios,
            timeout: Timeout::Default,
            gdb: false,
            icount: false,
            boot: BootArgs::default(),
            qemu_args: Vec::new(),
            echo: true,
            trace_dir: None,
            input: None,
        }
    }

    /// What the guest's console receives (see [`Input`]). Default: the
    /// runner's stdin for a workload whose registry row says
    /// `reads_input: true` (`console`), else nothing.
    pub fn input(mut self, input: Input) -> Run {
        self.input = Some(input);
        self
    }

    /// The QEMU binary (a name looked up in `PATH`, or a path).
    pub fn qemu(mut self, program: impl Into<OsString>) -> Run {
        self.qemu = program.into();
        self
    }

    /// `-smp`: `N` or a topology such as `6,sockets=2,cores=3`.
    pub fn smp(mut self, spec: impl Into<String>) -> Run {
        self.smp = spec.into();
        self
    }

    /// `-m`: `512M`, `2G`, ...
    pub fn memory(mut self, size: impl Into<String>) -> Run {
        self.memory = size.into();
        self
    }

    pub fn accel(mut self, accel: Accel) -> Run {
        self.accel = accel;
        self
    }

    /// Offer the guest x2APIC (`-machine q35`, `+x2apic` on the CPU
    /// model); needs QEMU 9.0 or newer. Implied when `--smp` needs it.
    pub fn x2apic(mut self, x2apic: bool) -> Run {
        self.x2apic = x2apic;
        self
    }

    /// Boot through UEFI (OVMF) instead of BIOS.
    pub fn uefi(mut self, uefi: bool) -> Run {
        self.firmware = if uefi { Firmware::Uefi } else { Firmware::Bios };
        self
    }

    /// Kill QEMU after `limit`.
    pub fn timeout(mut self, limit: Duration) -> Run {
        self.timeout = Timeout::After(limit);
        self
    }

    /// Never kill QEMU.
    pub fn no_timeout(mut self) -> Run {
        self.timeout = Timeout::Never;
        self
    }

    /// Start QEMU's gdb stub and stop the CPU until a debugger continues it.
    /// Without an explicit timeout, a gdb run has none.
    pub fn gdb(mut self, gdb: bool) -> Run {
        self.gdb = gdb;
        self
    }

    /// Deterministic instruction counting (`-icount shift=0,sleep=off`).
    pub fn icount(mut self, icount: bool) -> Run {
        self.icount = icount;
        self
    }

    /// A kernel boot option, `key=value`; checked on the host by `prepare`.
    pub fn boot_opt(mut self, token: impl Into<String>) -> Run {
        self.boot.push(token);
        self
    }

    /// A kernel boot option set by a runner flag (`--procs 2`), so that
    /// errors can name the flag.
    pub fn boot_opt_from_flag(mut self, flag: &'static str, key: &str, value: &str) -> Run {
        self.boot.push_from_flag(flag, key, value);
        self
    }

    /// Text appended to the kernel's boot option string *without* checking
    /// it on the host (to exercise the kernel's own rejection path).
    pub fn raw_boot_options(mut self, text: impl Into<String>) -> Run {
        self.boot.set_raw(text);
        self
    }

    /// One argument appended to QEMU's command line.
    pub fn qemu_arg(mut self, arg: impl Into<OsString>) -> Run {
        self.qemu_args.push(arg.into());
        self
    }

    /// Arguments appended to QEMU's command line.
    pub fn qemu_args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Run {
        self.qemu_args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Record a scheduler trace (`trace=on`) into `dir`: QEMU writes COM2
    /// to `<dir>/trace.bin` and [`trace::collect`] converts it after the
    /// run. The boot option is added as if from `--trace`.
    pub fn trace(mut self, dir: impl Into<PathBuf>) -> Run {
        self.trace_dir = Some(dir.into());
        // `trace=flight` given as a boot option keeps its mode.
        if !self.boot.has_key("trace") {
            self.boot.push_from_flag("--trace", "trace", "on");
        }
        self
    }

    /// Echo the serial output (to stdout) and QEMU's messages (to stderr)
    /// live, line by line.
    pub fn echo(mut self, echo: bool) -> Run {
        self.echo = echo;
        self
    }

    /// The timeout that will apply.
    pub fn effective_timeout(&self) -> Option<Duration> {
        match self.timeout {
            Timeout::Default if self.gdb => None,
            Timeout::Default => Some(DEFAULT_TIMEOUT),
            Timeout::After(d) if d.is_zero() => None,
            Timeout::After(d) => Some(d),
            Timeout::Never => None,
        }
    }

    /// Every host-side check, then the command line. Checks run in this
    /// order: `--smp`, the QEMU version (only for an x2APIC guest),
    /// `--memory`, boot options, option conflicts, KVM, OVMF, the boot
    /// image.
    pub fn prepare(&self) -> Result<Prepared, RunError> {
        let smp = Smp::parse(&self.smp).map_err(RunError::Smp)?;
        let x2apic = self.x2apic || smp.needs_x2apic();
        if x2apic {
            let why = if smp.needs_x2apic() {
                x2apic::Why::Smp {
                    spec: self.smp.clone(),
                    max_apic_id: smp.max_apic_id(),
                }
            } else {
                x2apic::Why::Asked
            };
            x2apic::check(&self.qemu, why).map_err(RunError::QemuTooOld)?;
        }
        let memory = Memory::parse(&self.memory).map_err(RunError::Memory)?;
        let opts = self.boot.validate().map_err(RunError::BootOption)?;
        if let Some(procs) = opts.procs {
            gmp_sched::options::check_procs(procs, smp.cpus)
                .map_err(|e| RunError::Conflict(e.to_string()))?;
        }
        if opts.lockstep > 0 && !self.icount {
            return Err(RunError::Conflict(format!(
                "lockstep={} needs QEMU's -icount (per-core clocks count instructions): use --lockstep, which sets both",
                opts.lockstep
            )));
        }
        if self.icount && opts.lockstep > 0 && self.accel == Accel::Kvm {
            return Err(RunError::Conflict(
                "--lockstep needs TCG (it counts emulated instructions per core): leave out --accel kvm"
                    .into(),
            ));
        }
        if self.icount && self.accel == Accel::Kvm {
            return Err(RunError::Conflict(
                "--icount needs TCG (it counts emulated instructions): leave out --accel kvm"
                    .into(),
            ));
        }
        self.accel.check().map_err(RunError::Kvm)?;
        let (ovmf, vars) = match self.firmware {
            Firmware::Bios => (None, None),
            Firmware::Uefi => {
                let ovmf = Ovmf::find().map_err(RunError::Ovmf)?;
                let vars = ovmf.vars_copy().map_err(RunError::Ovmf)?;
                (Some(ovmf), Some(vars))
            }
        };
        // A bare `trace=on` or `trace=flight` collects into the default
        // directory.
        let traced = opts.trace != gmp_sched::options::TraceMode::Off;
        let trace_dir = match (&self.trace_dir, traced) {
            (Some(dir), _) => Some(dir.clone()),
            (None, true) => Some(PathBuf::from(trace::DEFAULT_DIR)),
            (None, false) => None,
        };
        let trace_file = trace_dir.as_deref().map(trace::dump_path);
        let image = self.firmware.image();
        if !image.is_file() {
            return Err(RunError::ImageMissing(image.to_path_buf()));
        }
        // Under --icount the kernel reports instructions: tell it so.
        let boot_string = match (self.boot.kernel_string(), self.icount && !opts.icount) {
            (s, false) => s,
            (None, true) => Some(String::from("icount=on")),
            (Some(s), true) => Some(format!("{s} icount=on")),
        };
        let command = QemuCommand::new(&Machine {
            program: &self.qemu,
            image,
            pflash: ovmf
                .as_ref()
                .zip(vars.as_ref())
                .map(|(o, v)| (o.code.as_path(), v.path())),
            smp: &smp,
            memory,
            accel: self.accel,
            x2apic,
            icount: self.icount,
            gdb: self.gdb,
            boot_string: boot_string.as_deref(),
            trace_file: trace_file.as_deref(),
            extra: &self.qemu_args,
        });
        let input = self.input.clone().unwrap_or_else(|| {
            // The workload's registry row says whether it reads console
            // input; those get the runner's stdin unless `input` said
            // otherwise.
            if gmp_sched::options::workload_reads_input(opts.workload) {
                Input::Stdin
            } else {
                Input::None
            }
        });
        let stops = boot_string
            .as_deref()
            .is_some_and(|b| b.split_whitespace().any(|t| t.starts_with("stopat=")));
        Ok(Prepared {
            command,
            input,
            smp,
            boot_string,
            timeout: self.effective_timeout(),
            gdb_hint: self.gdb.then(|| gdb::hint(KERNEL_ELF, self.accel, stops)),
            echo: self.echo,
            trace_dir,
            _vars: vars,
        })
    }

    /// `prepare`, then `execute`.
    pub fn run(&self) -> Result<Outcome, RunError> {
        self.prepare()?.execute()
    }
}

/// A run that passed every host check, ready to start.
#[derive(Debug)]
pub struct Prepared {
    command: QemuCommand,
    input: Input,
    smp: Smp,
    boot_string: Option<String>,
    timeout: Option<Duration>,
    gdb_hint: Option<String>,
    echo: bool,
    trace_dir: Option<PathBuf>,
    /// This run's OVMF variable store; removed when the run is dropped.
    _vars: Option<TempFile>,
}

impl Prepared {
    /// The QEMU command line.
    pub fn command(&self) -> &QemuCommand {
        &self.command
    }

    /// The resolved core topology.
    pub fn smp(&self) -> &Smp {
        &self.smp
    }

    /// The string the kernel reads from fw_cfg, if any.
    pub fn boot_string(&self) -> Option<&str> {
        self.boot_string.as_deref()
    }

    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// With `gdb`: how to attach.
    pub fn gdb_hint(&self) -> Option<&str> {
        self.gdb_hint.as_deref()
    }

    /// With a trace: the directory its files go to (the dump is
    /// `trace.bin` there; convert it with [`trace::collect`]).
    pub fn trace_dir(&self) -> Option<&Path> {
        self.trace_dir.as_deref()
    }

    /// Starts QEMU and waits for its end (or the timeout). With a trace,
    /// first creates its directory and clears the previous run's files.
    pub fn execute(self) -> Result<Outcome, RunError> {
        if let Some(dir) = &self.trace_dir {
            trace::prepare_dir(dir).map_err(|source| RunError::TraceDir {
                dir: dir.clone(),
                source,
            })?;
        }
        exec::execute(&self.command, self.timeout, self.echo, self.input)
    }
}
