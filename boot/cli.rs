//! The command line: `gmp-metal [OPTIONS] [KEY=VALUE]... [-- QEMU_ARGS...]`.
//!
//! Design note: clap only reads words into fields here; every check of a
//! value (topology, sizes, boot options) lives with the library's `Run`, so
//! the tests that use the library see the same refusals as users of the
//! binary. The kernel's option table (`gmp_sched::options::KEYS`, and
//! `WORKLOADS` for `--workload`) feeds the help text, so it cannot drift
//! from what the kernel accepts.
//!
//! `gmp-metal bench ...` is a subcommand with its own flags (see
//! `bench::args`); the top-level flags and `KEY=VALUE` words keep working
//! as before, because a subcommand name is only recognised as the first
//! word that is not a flag, and no boot option can be named `bench` (boot
//! options have `=`). `linux-bench` is hidden: the runner starts itself
//! with it to measure Linux threads when `gmp-linux-bench` was not built.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;
use clap::builder::{PossibleValue, PossibleValuesParser};
use gmp_sched::options::WORKLOADS;

use crate::accel::Accel;
use crate::bench::args::BenchArgs;
use crate::help;
use crate::lab::LabArgs;
use crate::run::{DEFAULT_MEMORY, DEFAULT_QEMU, DEFAULT_SMP, Run};
use crate::trace::DEFAULT_DIR as TRACE_DIR;

/// Boots the gmp-metal kernel in QEMU: every core an M holding a P,
/// running Go's scheduler on bare metal.
#[derive(Parser, Debug)]
#[command(
    name = "gmp-metal",
    version,
    long_about = help::LONG_ABOUT,
    after_help = "Run with --help for the kernel boot options, examples and exit statuses.",
    after_long_help = help::after_long_help(),
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Kernel boot options, checked before QEMU starts (list: --help)
    #[arg(
        value_name = "KEY=VALUE",
        long_help = "Kernel boot options, e.g. procs=2 workload=fib seed=42. \
                     They are checked on the host with the kernel's own parser before QEMU \
                     starts, then handed to the kernel through QEMU's fw_cfg \
                     (opt/gmp-metal/cmdline). Each key may be given once; the list of keys \
                     is at the end of this help."
    )]
    pub boot_options: Vec<String>,

    /// Cores: N, or a QEMU topology such as 6,sockets=2,cores=3
    #[arg(
        long,
        value_name = "SPEC",
        default_value = DEFAULT_SMP,
        long_help = "Cores, in QEMU's -smp syntax: a count N, or a topology \
                     N,sockets=S,dies=D,cores=C,threads=T (omitted levels are computed as QEMU \
                     does). At most 1024 cores; past 255 (or with an APIC id above 254) the \
                     guest needs x2APIC, which the runner then adds as for --x2apic. Every \
                     core becomes an M with its own P. \
                     Topologies whose level sizes are not powers of two give non-contiguous \
                     APIC ids: --smp 6,sockets=2,cores=3 gives 0, 1, 2, 4, 5, 6."
    )]
    pub smp: String,

    /// Guest memory, QEMU -m syntax (512M, 2G)
    #[arg(
        long,
        value_name = "SIZE",
        default_value = DEFAULT_MEMORY,
        long_help = "Guest memory in QEMU's -m syntax: 512M, 2G, 1.5G (a bare number is MiB). \
                     At least 64M."
    )]
    pub memory: String,

    /// Accelerator: tcg (software, the default) or kvm
    #[arg(
        long,
        value_enum,
        default_value_t = Accel::Tcg,
        long_help = "Accelerator. tcg (the default) emulates the CPU in software, one host \
                     thread per core; it works everywhere, and its CPU model has no TSC-deadline \
                     timer and no x2APIC unless asked for (--x2apic, QEMU 9.0+). kvm runs the guest on the host CPU through /dev/kvm \
                     with -cpu host: near-native speed on a machine with real hardware \
                     virtualisation, but on hosts that are themselves VMs /dev/kvm may be \
                     paravirtual and far slower than TCG, so it is never chosen automatically."
    )]
    pub accel: Accel,

    /// Offer the guest x2APIC: -machine q35 -cpu max,+x2apic (QEMU 9.0+)
    #[arg(
        long,
        long_help = "Offer the guest x2APIC: QEMU's q35 machine and +x2apic on the CPU model \
                     (-machine q35 -cpu max,+x2apic, or -cpu host,+x2apic with kvm). The \
                     kernel then drives its APICs through MSRs and can address more than 255 \
                     cores. Needs QEMU 9.0 or newer (QEMU 7.2's TCG has no x2APIC); \
                     .ci/get-qemu10 fetches QEMU 10 beside the system's. Implied by an --smp \
                     of more than 255 cores."
    )]
    pub x2apic: bool,

    /// Boot through UEFI (OVMF) instead of BIOS
    #[arg(
        long,
        long_help = "Boot the UEFI image with OVMF instead of the BIOS image. OVMF is looked \
                     for in the usual Debian, Fedora, Arch and Homebrew locations; set \
                     GMP_OVMF_CODE (and GMP_OVMF_VARS) to use another. Each run gets a \
                     temporary copy of the variable store."
    )]
    pub uefi: bool,

    /// Kill QEMU after SECS seconds [default: 300, none with --gdb]
    #[arg(
        long,
        value_name = "SECS",
        long_help = "Kill QEMU after SECS seconds, print the last 40 lines of serial output \
                     and exit with status 124. Default 300; no timeout with --gdb unless given; \
                     0 means no timeout."
    )]
    pub timeout: Option<u64>,

    /// Wait for gdb on :1234 and print the command to attach
    #[arg(
        long,
        long_help = "Start QEMU with its gdb stub on localhost:1234 and the CPU stopped \
                     (-s -S), and print the gdb command that attaches with the kernel's symbols \
                     at the address the bootloader loads it. Use hardware breakpoints (hbreak). \
                     No timeout unless --timeout is given."
    )]
    pub gdb: bool,

    /// The demo to run (same as workload=NAME)
    #[arg(long, value_name = "NAME", value_parser = workloads())]
    pub workload: Option<String>,

    /// GOMAXPROCS: how many Ps (same as procs=N)
    #[arg(long, value_name = "N")]
    pub procs: Option<String>,

    /// Seed of the scheduler's random choices (same as seed=N)
    #[arg(long, value_name = "N")]
    pub seed: Option<String>,

    /// Print a scheduler summary every MS ms (same as schedtrace=MS)
    #[arg(long, value_name = "MS")]
    pub schedtrace: Option<String>,

    /// With --schedtrace, list every P, M and G (same as scheddetail=on)
    #[arg(long)]
    pub scheddetail: bool,

    /// Record scheduler events (trace=on) and write viewer files to DIR
    #[arg(
        long,
        value_name = "DIR",
        num_args = 0..=1,
        require_equals = true,
        long_help = "Record the scheduler's events (same as trace=on) and, after the run, \
                     write them to DIR (default target/gmp-trace, relative to the current \
                     directory; a bare trace=on uses it too): trace.bin, the raw dump QEMU \
                     takes from the guest's second serial port (COM2), and the files converted \
                     from it for the viewers, each printed with how to open it. The directory's \
                     previous trace files are removed first. Give DIR with `=` (--trace=DIR): \
                     a word after a bare --trace is a boot option. A run that succeeds \
                     without a usable trace exits with status 1. See docs/TRACE.md."
    )]
    pub trace: Option<Option<PathBuf>>,

    /// Write Go's runtime/metrics of the scheduler to PATH (JSON) at the end (metrics=on)
    #[arg(
        long,
        value_name = "PATH",
        long_help = "At the end of the run, write the scheduler's metrics under Go 1.27's \
                     runtime/metrics names, kinds and units (/sched/gomaxprocs:threads, \
                     /sched/goroutines:goroutines, /sched/latencies:seconds, ...) to PATH as \
                     JSON: per metric its name, kind, unit, cumulative flag, description and \
                     value, histograms as Go's Float64Histogram (Counts, Buckets in seconds). \
                     Sets the boot option metrics=on, which also keeps the scheduling-latency \
                     histogram. A run that succeeds without writing them exits with status 1. \
                     The console's `metrics` prints the same figures live. See docs/METRICS.md."
    )]
    pub metrics: Option<PathBuf>,

    /// How long the torture workload runs (same as duration=SECS)
    #[arg(long, value_name = "SECS")]
    pub duration: Option<String>,

    /// Deterministic instruction counting: -icount shift=0,sleep=off
    #[arg(
        long,
        long_help = "Run TCG with -icount shift=0,sleep=off: one instruction is one virtual \
                     nanosecond, so the TSC counts instructions and runs repeat exactly. All \
                     cores then take turns on one host thread: use it for per-core costs, not \
                     for cross-core latencies. TCG only."
    )]
    pub icount: bool,

    /// Per-core instruction clocks (implies --icount): cores run in parallel
    #[arg(
        long,
        value_name = "INSNS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = crate::bench::args::LOCKSTEP_QUANTUM,
        long_help = "Per-core instruction clocks (implies --icount; boot option lockstep=INSNS): \
                     each core counts the instructions it executed itself, and the cores take \
                     turns of INSNS instructions (default 20000), the lowest clock first, so N \
                     cores work in parallel and nanotime is the core's own clock. Runs repeat \
                     exactly. Give INSNS with `=` (--lockstep=5000). See docs/BENCH.md."
    )]
    pub lockstep: Option<u32>,

    /// With --gdb: stop at a moment of a replay (boot option stopat=N)
    #[arg(
        long,
        value_name = "N",
        long_help = "Stop the run for gdb at TSC N, which under --icount is an instruction count \
                     (the number `explore` prints for a failure): the first timer tick past N \
                     calls gmp_stop_at, and with --gdb the printed gdb command puts a hardware \
                     breakpoint there and continues, so `info goroutines` shows the state just \
                     before the failure. Same as the boot option stopat=N."
    )]
    pub stop_at: Option<u64>,

    /// With --gdb and --trace: stop a tick before event K of the last trace
    #[arg(
        long,
        value_name = "K",
        conflicts_with = "stop_at",
        requires = "trace",
        long_help = "Stop the run a timer tick (1 ms) before trace event K of the previous run \
                     of the same command with --trace: K is the number the trace page \
                     (trace.html) shows as `event K/N`. The runner reads that event's stamp \
                     (under --icount its instruction count) from DIR/trace.bin before the run \
                     replaces it, and stops as --stop-at would. The run must be the same replay \
                     (--icount, the same options, --trace on both), or event K is another \
                     moment."
    )]
    pub stop_at_event: Option<u64>,

    /// The QEMU binary
    #[arg(long, value_name = "PATH", env = "GMP_QEMU", default_value = DEFAULT_QEMU)]
    pub qemu: OsString,

    /// Print the full QEMU command line (to stderr) before running
    #[arg(long)]
    pub print_qemu: bool,

    /// Print the path of the kernel ELF this runner boots, and exit
    #[arg(
        long,
        long_help = "Print the path of the kernel ELF (with debug info) this runner boots, and \
                     exit without running anything: the file for gdb, readelf and gdb/gmp.py \
                     (docs/WALKTHROUGH.md)."
    )]
    pub print_kernel_elf: bool,

    /// Pass STRING to the kernel as boot options WITHOUT checking it
    #[arg(
        long,
        value_name = "STRING",
        hide_short_help = true,
        long_help = "Append STRING to the kernel's boot option string without checking it on \
                     the host, so the kernel's own parser sees it. For testing the kernel's \
                     rejection path: --raw-boot-options procz=1 makes the kernel print \
                     `boot option error: ...` and fail."
    )]
    pub raw_boot_options: Option<String>,

    /// Extra arguments for QEMU, after `--`
    #[arg(
        last = true,
        value_name = "QEMU_ARGS",
        long_help = "Extra arguments appended to QEMU's command line, after `--`: e.g. \
                     `-- -d int,cpu_reset -D /tmp/qemu.log` or `-- -S` (start with the CPU \
                     stopped)."
    )]
    pub qemu_args: Vec<OsString>,
}

/// The subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Benchmarks: switch, spawn and channel costs in the kernel, with
    /// --compare beside Go, Linux threads, tokio and may on the host
    Bench(BenchArgs),
    /// The labs of docs/LABS.md: start one (cut its holes), grade it, reset it
    Lab(LabArgs),
    /// Run one test file many times under host load and count the failures
    Flaky(crate::flaky::FlakyArgs),
    /// Seed after seed under --icount with chaos=N until a run fails; print its replay
    Explore(crate::explore::ExploreArgs),
    /// Every scheduling policy on every tour- workload in lockstep: one
    /// table, one chart per metric, a JSON file of every figure
    Policies(crate::policies::PoliciesArgs),
    /// The Linux-threads benchmarks (used by bench --compare)
    #[command(hide = true)]
    LinuxBench {
        /// Operation (swap, futex-pingpong-1cpu, ...)
        op: String,
        /// Operations to do
        n: String,
    },
}

/// The sugar flags: (flag, boot option key). `--scheddetail` and `--trace`
/// are switches that set `on`.
pub const SUGAR: &[(&str, &str)] = &[
    ("--workload", "workload"),
    ("--procs", "procs"),
    ("--seed", "seed"),
    ("--schedtrace", "schedtrace"),
    ("--scheddetail", "scheddetail"),
    ("--trace", "trace"),
    ("--duration", "duration"),
];

fn workloads() -> PossibleValuesParser {
    PossibleValuesParser::new(
        WORKLOADS
            .iter()
            .map(|(name, about)| PossibleValue::new(*name).help(*about)),
    )
}

impl Cli {
    /// A subcommand name that landed among the boot options because a
    /// runner flag came before it (`gmp-metal --smp 2 bench`): the sentence
    /// that says where it goes.
    pub fn misplaced_subcommand(&self) -> Option<String> {
        self.boot_options.iter().find_map(|w| {
            let usage = match w.as_str() {
                "bench" => "[NAME...] [--icount] [--smp N] [--compare] ...",
                "lab" => "start|grade|reset|list [NAME]",
                "flaky" => "--test NAME [--runs N] [--load N]",
                "policies" => "[--policies P,...] [--workloads W,...] [--smp N] [--out DIR]",
                "explore" => {
                    "[--workload W] [--smp N] [--seeds N | --minutes M] [--jobs J] [--shrink]"
                }
                _ => return None,
            };
            Some(format!(
                "`{w}` must be the first word, with its own arguments after it: \
                 gmp-metal {w} {usage} (see gmp-metal {w} --help)"
            ))
        })
    }

    /// `--stop-at-event K`: turn it into `--stop-at`, one tick before the
    /// stamp of event K in the trace directory's previous dump. Returns
    /// the sentence to show, or why it cannot be done.
    pub fn resolve_stop_at_event(&mut self) -> Result<Option<String>, String> {
        let Some(k) = self.stop_at_event.take() else {
            return Ok(None);
        };
        let dir = match &self.trace {
            Some(Some(dir)) => dir.clone(),
            _ => PathBuf::from(TRACE_DIR),
        };
        let (ts, what) = crate::trace::event_stamp(&dir, k)?;
        let at = ts.saturating_sub(crate::explore::STOP_BEFORE);
        self.stop_at = Some(at);
        Ok(Some(format!(
            "runner: event {k} of {} is {what} at TSC {ts}: stopping at the first tick past {at}",
            crate::trace::dump_path(&dir).display()
        )))
    }

    /// The run this command line describes.
    pub fn into_run(self) -> Run {
        let mut run = Run::new()
            .qemu(self.qemu)
            .smp(self.smp)
            .memory(self.memory)
            .accel(self.accel)
            .x2apic(self.x2apic)
            .uefi(self.uefi)
            .gdb(self.gdb)
            .icount(self.icount || self.lockstep.is_some());
        if let Some(q) = self.lockstep {
            run = run.boot_opt_from_flag("--lockstep", "lockstep", &q.to_string());
        }
        if let Some(secs) = self.timeout {
            run = run.timeout(std::time::Duration::from_secs(secs));
        }
        for token in self.boot_options {
            run = run.boot_opt(token);
        }
        // In SUGAR's order.
        let values = [
            self.workload,
            self.procs,
            self.seed,
            self.schedtrace,
            self.scheddetail.then(|| "on".to_string()),
            self.trace.as_ref().map(|_| "on".to_string()),
            self.duration,
        ];
        let trace_dir = self
            .trace
            .map(|dir| dir.unwrap_or_else(|| PathBuf::from(TRACE_DIR)));
        for (&(flag, key), value) in SUGAR.iter().zip(values) {
            match (value, key, &trace_dir) {
                (Some(_), "trace", Some(dir)) => run = run.trace(dir),
                (Some(value), _, _) => run = run.boot_opt_from_flag(flag, key, &value),
                (None, _, _) => {}
            }
        }
        if self.metrics.is_some() {
            run = run.boot_opt_from_flag("--metrics", "metrics", "on");
        }
        if let Some(n) = self.stop_at {
            // 20 digits, like every `stopat` (see the option's help).
            run = run.boot_opt_from_flag("--stop-at", "stopat", &format!("{n:020}"));
        }
        if let Some(raw) = self.raw_boot_options {
            run = run.raw_boot_options(raw);
        }
        run.qemu_args(self.qemu_args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use gmp_sched::options::KEYS;
    use std::path::Path;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_sugar_flag_is_a_real_option_and_a_real_key() {
        let cmd = Cli::command();
        for (flag, key) in SUGAR {
            let long = flag.trim_start_matches("--");
            assert!(
                cmd.get_arguments().any(|a| a.get_long() == Some(long)),
                "{flag} is not defined"
            );
            assert!(
                KEYS.iter().any(|k| k.name == *key),
                "{key} is not a boot option"
            );
        }
    }

    #[test]
    fn sugar_and_tokens_reach_the_kernel_string_in_order() {
        let cli = Cli::try_parse_from([
            "gmp-metal",
            "seed=3",
            "--procs",
            "2",
            "--trace",
            "--workload",
            "fib",
            "--",
            "-S",
        ])
        .unwrap();
        let prepared = cli.into_run().prepare().unwrap();
        assert_eq!(
            prepared.boot_string(),
            Some("seed=3 workload=fib procs=2 trace=on")
        );
        assert!(prepared.command().to_string().ends_with(" -S"));
    }

    #[test]
    fn trace_takes_an_optional_dir_with_equals_only() {
        let cli = Cli::try_parse_from(["gmp-metal", "--trace", "procs=2"]).unwrap();
        assert_eq!(cli.trace, Some(None));
        assert_eq!(cli.boot_options, vec!["procs=2"]);
        let prepared = cli.into_run().prepare().unwrap();
        assert_eq!(prepared.boot_string(), Some("procs=2 trace=on"));
        assert_eq!(prepared.trace_dir(), Some(Path::new(TRACE_DIR)));
        let line = prepared.command().to_string();
        assert!(
            line.contains(
                " -serial stdio -display none -no-reboot -serial file:target/gmp-trace/trace.bin "
            ),
            "{line}"
        );

        let cli = Cli::try_parse_from(["gmp-metal", "--trace=/tmp/t"]).unwrap();
        let prepared = cli.into_run().prepare().unwrap();
        assert_eq!(prepared.trace_dir(), Some(Path::new("/tmp/t")));
        assert!(prepared.command().has_arg("file:/tmp/t/trace.bin"));

        // A bare trace=on collects into the default directory too.
        let cli = Cli::try_parse_from(["gmp-metal", "trace=on"]).unwrap();
        let prepared = cli.into_run().prepare().unwrap();
        assert_eq!(prepared.trace_dir(), Some(Path::new(TRACE_DIR)));

        let cli = Cli::try_parse_from(["gmp-metal"]).unwrap();
        let prepared = cli.into_run().prepare().unwrap();
        assert_eq!(prepared.trace_dir(), None);
        assert!(!prepared.command().to_string().contains("file:"));
    }

    #[test]
    fn bench_is_a_subcommand_and_the_top_level_still_parses_as_before() {
        let cli = Cli::try_parse_from(["gmp-metal", "bench", "switch-raw,spawn-warm", "--icount"])
            .unwrap();
        let Some(Command::Bench(b)) = cli.command else {
            panic!("not the bench subcommand");
        };
        assert!(b.icount);
        assert_eq!(b.split().0, vec!["switch-raw", "spawn-warm"]);
        let cli = Cli::try_parse_from(["gmp-metal", "--smp", "2", "procs=2"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.boot_options, vec!["procs=2"]);
        assert!(cli.misplaced_subcommand().is_none());
        let cli = Cli::try_parse_from(["gmp-metal", "--smp", "2", "bench"]).unwrap();
        assert!(cli.command.is_none());
        let msg = cli.misplaced_subcommand().unwrap();
        assert!(msg.starts_with("`bench` must be the first word"), "{msg}");
    }

    #[test]
    fn an_unknown_workload_is_a_clap_error() {
        let e = Cli::try_parse_from(["gmp-metal", "--workload", "nope"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
