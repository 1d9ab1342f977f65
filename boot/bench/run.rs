//! `gmp-metal bench`: boot the kernel with `workload=bench`, read its
//! figures, run the host comparison, print, write the files.
//!
//! Design note: progress goes to stderr and results to stdout, so
//! `bench > results.txt` keeps only the tables. A kernel that fails, times
//! out or breaks the output contract ends the command with the runner's
//! usual exit status and the tail of the serial log; missing host tools
//! never do (they are skipped with a sentence). Targets never change the
//! exit status: the bench measures, it does not judge.

use std::time::Duration;

use gmp_sched::options::KEYS;

use super::args::BenchArgs;
use super::callgrind::Callgrind;
use super::catalog::{self, fib_procs};
use super::compare::{self, Peers, Plan, go, linux::LinuxBench, rust};
use super::host_env::HostEnv;
use super::hostcmd::{Exec, System};
use super::kernel_output::{self, KernelReport};
use super::report::{BenchReport, RunInfo};
use super::table;
use super::timebase::Timebase;
use crate::outcome::{Verdict, tail};
use crate::run::Run;
use crate::smp::Smp;

/// Serial lines shown when the kernel side fails.
const TAIL_LINES: usize = 40;

/// Whether the kernel knows the `icount` boot option yet.
pub fn kernel_has_icount_key() -> bool {
    KEYS.iter().any(|k| k.name == "icount")
}

/// The QEMU run of one boot: `procs` Ps running `names`.
pub fn kernel_run(args: &BenchArgs, procs: u32, names: &[String]) -> Run {
    let (_, opts) = args.split();
    let mut run = Run::new()
        .qemu(args.qemu.clone())
        .smp(args.smp.clone())
        .memory(args.memory.clone())
        .accel(args.accel)
        .icount(args.icount || args.lockstep.is_some())
        .timeout(Duration::from_secs(args.timeout))
        .echo(args.verbose)
        .boot_opt("workload=bench")
        .boot_opt(format!("procs={procs}"))
        .boot_opt(format!("bench={}", names.join(",")));
    if args.icount && kernel_has_icount_key() {
        run = run.boot_opt("icount=on");
    }
    if let Some(q) = args.lockstep {
        run = run.boot_opt(format!("lockstep={q}"));
    }
    for o in opts {
        run = run.boot_opt(o);
    }
    run
}

/// The boots `args` asks for, and the benchmarks that cannot run on its
/// core count.
pub fn kernel_runs(args: &BenchArgs) -> Result<(Vec<Run>, Vec<String>), (i32, String)> {
    let usage = |m: String| (crate::exit::USAGE, format!("error: {m}"));
    let smp = Smp::parse(&args.smp).map_err(|e| usage(format!("--smp: {e}")))?;
    let (names, opts) = args.split();
    if let Some(o) = opts
        .iter()
        .find(|o| o.starts_with("procs=") || o.starts_with("bench="))
    {
        return Err(usage(format!(
            "{o}: the bench chooses procs and bench= itself for each boot (name benchmarks as words)"
        )));
    }
    let (boots, cannot) = catalog::boots(&names, smp.cpus);
    let runs = boots
        .iter()
        .map(|(procs, names)| kernel_run(args, *procs, names))
        .collect();
    Ok((runs, cannot))
}

/// Boots the kernel once per group of benchmarks and reads their output.
fn kernel_side(
    args: &BenchArgs,
    say: &mut dyn FnMut(&str),
) -> Result<(KernelReport, Vec<String>), (i32, String)> {
    let (runs, cannot) = kernel_runs(args)?;
    let mut whole = KernelReport::default();
    let mut boot_strings = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let prepared = run
            .prepare()
            .map_err(|e| (e.exit_code(), format!("error: {e}")))?;
        if args.print_qemu {
            say(&prepared.command().to_string());
        }
        let boot = prepared.boot_string().unwrap_or("").to_string();
        say(&format!(
            "boot {}/{}: {boot} (--smp {}, accel={}, icount={})",
            i + 1,
            runs.len(),
            args.smp,
            args.accel,
            if args.icount || args.lockstep.is_some() {
                "on"
            } else {
                "off"
            }
        ));
        let outcome = prepared
            .execute()
            .map_err(|e| (e.exit_code(), format!("error: {e}")))?;
        let with_tail = |msg: String| {
            format!(
                "{msg}\n--- last {TAIL_LINES} lines of serial output ---\n{}--- end ---",
                tail(&outcome.serial, TAIL_LINES)
            )
        };
        if outcome.verdict != Verdict::Success {
            let why = outcome
                .explain()
                .unwrap_or_else(|| outcome.verdict.to_string());
            return Err((
                outcome.exit_code(),
                with_tail(format!("gmp-metal bench: {boot}: {why}")),
            ));
        }
        let report = kernel_output::parse(&outcome.serial).map_err(|e| {
            (
                1,
                with_tail(format!("gmp-metal bench: {boot}: bad kernel output: {e}")),
            )
        })?;
        if report.env.is_none() && report.benches.is_empty() {
            return Err((
                1,
                with_tail(format!(
                    "gmp-metal bench: {boot}: the kernel printed no BENCH lines"
                )),
            ));
        }
        whole
            .merge(report)
            .map_err(|e| (1, format!("gmp-metal bench: {e}")))?;
        boot_strings.push(boot);
    }
    for n in cannot {
        whole.skips.push(kernel_output::KernelNote {
            name: n,
            text: format!("needs two or more cores (--smp {})", args.smp),
        });
    }
    Ok((whole, boot_strings))
}

/// Warnings about the names asked for.
pub fn name_warnings(names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|n| catalog::info(n).is_none())
        .map(|n| {
            format!("note: {n:?} is not a benchmark this runner knows; passing it to the kernel")
        })
        .collect()
}

/// The host comparison, with the real programs.
pub fn compare_side(
    exec: &dyn Exec,
    kernel: &KernelReport,
    args: &BenchArgs,
    cores: usize,
    say: &mut dyn FnMut(&str),
) -> compare::CompareReport {
    let mut procs: Vec<u32> = kernel
        .benches
        .iter()
        .filter_map(|b| fib_procs(&b.name))
        .collect();
    if procs.is_empty() {
        procs = (1..=cores.min(8) as u32).collect();
    }
    procs.sort_unstable();
    let plan = if args.quick {
        Plan::quick(args.runs, procs)
    } else {
        Plan::standard(args.runs, procs)
    };
    let linux = LinuxBench::beside_current_exe();
    if let Ok(LinuxBench {
        build_note: Some(n),
        ..
    }) = &linux
        && n == "debug build"
    {
        say(
            "note: the Linux-threads program is a debug build: its figures are not \
             representative (use cargo run --release, or set GMP_LINUX_BENCH)",
        );
    }
    let go = go::find_go().and_then(|g| {
        say("building the Go benchmarks (offline, GOTOOLCHAIN=local)");
        go::build(exec, &g, std::path::Path::new(go::GO_SOURCES))
    });
    let rust = rust::find_cargo().and_then(|cargo| {
        say("building the tokio and may benchmarks (cargo build --release --offline)");
        rust::build(
            exec,
            &cargo,
            std::path::Path::new(rust::RUST_SOURCES),
            std::path::Path::new(rust::RUST_TARGET),
            say,
        )
    });
    let peers = Peers { go, linux, rust };
    compare::run(exec, &plan, peers, Callgrind::find(), say)
}

/// The whole command: the exit status.
pub fn main(args: BenchArgs) -> i32 {
    if let Some(cores) = &args.scaling {
        return super::scaling::main(&args, cores);
    }
    let mut say = |m: &str| eprintln!("[bench] {m}");
    let host = HostEnv::detect();
    let (names, _) = args.split();
    for w in name_warnings(&names) {
        say(&w);
    }
    if args.host_only && args.icount {
        say("note: --icount has no effect with --host-only");
    }
    let (kernel, boots) = if args.host_only {
        (KernelReport::default(), Vec::new())
    } else {
        match kernel_side(&args, &mut say) {
            Ok(k) => k,
            Err((code, msg)) => {
                eprintln!("{msg}");
                return code;
            }
        }
    };
    let compare = (args.compare || args.host_only)
        .then(|| compare_side(&System::default(), &kernel, &args, host.cores, &mut say));
    let tb = Timebase::of(
        args.accel,
        args.icount && !args.host_only,
        args.lockstep.is_some() && !args.host_only,
    );
    let run = RunInfo {
        accel: args.accel.to_string(),
        icount: args.icount || args.lockstep.is_some(),
        smp: args.smp.clone(),
        memory: args.memory.clone(),
        selected: names,
        boots,
        timebase: tb,
        unit: tb.unit(),
        unit_why: if args.host_only {
            "no kernel figures (--host-only); Go and Linux: instructions by callgrind, time native"
                .into()
        } else {
            tb.why().into()
        },
    };
    let report = BenchReport::new(host, run, kernel, compare);
    print!("{}", table::render(&report));
    if let Some(path) = &args.json {
        match report.write_files(path) {
            Ok(paths) => {
                for p in paths {
                    say(&format!("wrote {}", p.display()));
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return crate::exit::FAILURE;
            }
        }
    }
    crate::exit::SUCCESS
}
