//! `gmp-metal`: boot the kernel in QEMU (see `gmp-metal --help`).
//!
//! Design note: all behaviour is in the library so the tests exercise it;
//! this file only prints and picks the exit status. Runner messages go to
//! stderr so that stdout is exactly the kernel's serial console.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use gmp_metal::cli::{Cli, Command};
use gmp_metal::{Outcome, Verdict};

/// Lines of serial output shown when a run times out or QEMU ends oddly.
const TAIL_LINES: usize = 40;

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    match cli.command.take() {
        Some(Command::Bench(args)) => return status(gmp_metal::bench::run::main(args)),
        Some(Command::Lab(args)) => return status(gmp_metal::lab::main(args)),
        Some(Command::Flaky(args)) => return status(gmp_metal::flaky::main(args)),
        Some(Command::Explore(args)) => return status(gmp_metal::explore::main(args)),
        Some(Command::Policies(args)) => return status(gmp_metal::policies::main(args)),
        Some(Command::LinuxBench { op, n }) => {
            return status(gmp_metal::bench::linux::main_with(&[op, n]));
        }
        None => {}
    }
    if cli.print_kernel_elf {
        println!("{}", gmp_metal::KERNEL_ELF);
        return status(gmp_metal::exit::SUCCESS);
    }
    if let Some(msg) = cli.misplaced_subcommand() {
        eprintln!("error: {msg}");
        return status(gmp_metal::exit::USAGE);
    }
    match cli.resolve_stop_at_event() {
        Ok(Some(said)) => eprintln!("{said}"),
        Ok(None) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return status(gmp_metal::exit::USAGE);
        }
    }
    let print_qemu = cli.print_qemu;
    let metrics_path = cli.metrics.clone();
    let mut trace_dir = None;
    let outcome = cli.into_run().prepare().and_then(|prepared| {
        if print_qemu {
            eprintln!("{}", prepared.command());
        }
        if let Some(hint) = prepared.gdb_hint() {
            eprintln!("{hint}");
        }
        trace_dir = prepared.trace_dir().map(Path::to_path_buf);
        prepared.execute()
    });
    let interrupted = gmp_metal::input::interrupted();
    if interrupted {
        // QEMU ends with status 0 on SIGINT: say why, not "a triple fault".
        eprintln!("runner: interrupted (Ctrl-C): QEMU ended and the terminal is restored");
    }
    match outcome {
        Ok(outcome) => {
            if !interrupted {
                report(&outcome);
            }
            let code = outcome.exit_code();
            let traced = trace_dir.map(|dir| collect_trace(&dir));
            let measured = metrics_path.map(|path| write_metrics(&path, &outcome));
            match (traced, measured) {
                // A run that succeeded but left no usable trace, or no
                // metrics, fails.
                (Some(false), _) | (_, Some(false)) if code == gmp_metal::exit::SUCCESS => {
                    status(gmp_metal::exit::FAILURE)
                }
                _ => status(code),
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            status(e.exit_code())
        }
    }
}

/// Says how a run that did not succeed ended.
fn report(outcome: &Outcome) {
    let Some(sentence) = outcome.explain() else {
        return;
    };
    match outcome.verdict {
        Verdict::Timeout => eprintln!("{sentence}"),
        _ => eprintln!("gmp-metal: {sentence}"),
    }
    if matches!(outcome.verdict, Verdict::Timeout | Verdict::Other(_)) {
        let tail = outcome.tail(TAIL_LINES);
        if tail.trim().is_empty() {
            eprintln!("(no serial output)");
        } else {
            eprintln!("--- last {TAIL_LINES} lines of serial output ---");
            eprint!("{tail}");
            if !tail.ends_with('\n') {
                eprintln!();
            }
            eprintln!("--- end of serial output ---");
        }
    }
}

/// Converts the trace in `dir` and says where its files are; false if
/// there was no usable trace.
fn collect_trace(dir: &Path) -> bool {
    match gmp_metal::trace::collect(dir) {
        Ok(collected) => {
            for line in gmp_metal::trace::summary(&collected) {
                eprintln!("trace: {line}");
            }
            true
        }
        Err(e) => {
            eprintln!("gmp-metal: no trace: {e}");
            false
        }
    }
}

/// Writes the run's metrics to `path` and says so; false if there were
/// none to write.
fn write_metrics(path: &Path, outcome: &Outcome) -> bool {
    match gmp_metal::metrics::write(path, &outcome.serial) {
        Ok(said) => {
            eprintln!("metrics: {said}");
            true
        }
        Err(e) => {
            eprintln!("gmp-metal: no metrics: {e}");
            false
        }
    }
}

fn status(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}
