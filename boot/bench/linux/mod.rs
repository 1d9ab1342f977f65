//! The Linux-threads side of `bench --compare`: what a user would write
//! with OS threads instead of Gs, run on the host.
//!
//! Design note: one operation per process, the count from the command line,
//! one `HOSTBENCH` line out (the same shape as the Go program's), so the
//! runner times and counts both the same way. The operations pin their
//! threads with `sched_setaffinity` so "one CPU" and "two CPUs" mean what
//! they say. Instruction counts of these (by callgrind) are user-space only:
//! the kernel's share of a futex or `sched_yield` is invisible to valgrind,
//! and the runner says so next to the figures.

#[cfg(target_os = "linux")]
mod affinity;
#[cfg(target_os = "linux")]
mod futex;
#[cfg(target_os = "linux")]
mod spawn;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod swap;

use std::time::Duration;

/// The operations, with what one "op" is.
pub const OPS: &[(&str, &str)] = &[
    (
        "swap",
        "bare register swap (callee-saved registers + rsp) between two stacks in one thread, per swap",
    ),
    (
        "futex-pingpong-1cpu",
        "two threads pinned to one CPU hand a turn over with futex wait/wake, per one-way hand-off",
    ),
    (
        "futex-pingpong-2cpu",
        "the same with the threads pinned to two different CPUs",
    ),
    (
        "yield-pingpong-1cpu",
        "two threads pinned to one CPU pass a turn by spinning on sched_yield, per hand-off",
    ),
    (
        "spawn-join",
        "std::thread::spawn of an empty closure + join, pinned to one CPU, per thread",
    ),
];

/// Runs `op` `n` times and returns its `HOSTBENCH` line.
pub fn run(op: &str, n: u64) -> Result<String, String> {
    if n < 2 {
        return Err(format!("N must be at least 2, got {n}"));
    }
    let (took, ops) = measure(op, n)?;
    Ok(format!(
        "HOSTBENCH op={op} n={ops} ns_per_op={:.3}",
        took.as_nanos() as f64 / ops as f64
    ))
}

#[cfg(target_os = "linux")]
fn measure(op: &str, n: u64) -> Result<(Duration, u64), String> {
    match op {
        #[cfg(target_arch = "x86_64")]
        "swap" => Ok(swap::pingpong(n)),
        "futex-pingpong-1cpu" => futex::pingpong(n, futex::Wait::Futex, 1),
        "futex-pingpong-2cpu" => futex::pingpong(n, futex::Wait::Futex, 2),
        "yield-pingpong-1cpu" => futex::pingpong(n, futex::Wait::Yield, 1),
        "spawn-join" => spawn::spawn_join(n),
        _ => Err(unknown(op)),
    }
}

#[cfg(not(target_os = "linux"))]
fn measure(op: &str, _n: u64) -> Result<(Duration, u64), String> {
    if OPS.iter().any(|(name, _)| *name == op) {
        Err("the Linux-threads benchmarks need Linux".into())
    } else {
        Err(unknown(op))
    }
}

fn unknown(op: &str) -> String {
    let names: Vec<&str> = OPS.iter().map(|(n, _)| *n).collect();
    format!("unknown op {op:?} (ops: {})", names.join(", "))
}

/// The usage text of `gmp-linux-bench`.
pub fn usage() -> String {
    let mut s = String::from("usage: gmp-linux-bench OP N\n\nops:\n");
    for (name, about) in OPS {
        s.push_str(&format!("  {name:<22}{about}\n"));
    }
    s
}

/// `gmp-linux-bench OP N`: the exit status and what to print.
pub fn main_with(args: &[String]) -> i32 {
    let [op, n] = args else {
        eprint!("{}", usage());
        return 2;
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("gmp-linux-bench: N must be a count, got {n:?}");
        return 2;
    };
    match run(op, n) {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(e) => {
            eprintln!("gmp-linux-bench: {e}");
            1
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn every_op_runs_and_prints_one_hostbench_line() {
        for (op, _) in OPS {
            if *op == "futex-pingpong-2cpu" && affinity::allowed_cpus().map_or(0, |c| c.len()) < 2 {
                continue;
            }
            let line = run(op, 200).unwrap();
            let rest = line.strip_prefix("HOSTBENCH ").unwrap();
            let f = crate::bench::kernel_output::fields(rest).unwrap();
            assert_eq!(f["op"], *op);
            assert_eq!(f["n"], "200");
            assert!(f["ns_per_op"].parse::<f64>().unwrap() > 0.0, "{line}");
        }
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(run("nope", 10).unwrap_err().contains("unknown op"));
        assert!(run("swap", 1).is_err());
        assert_eq!(main_with(&["swap".into()]), 2);
        assert_eq!(main_with(&["swap".into(), "x".into()]), 2);
        assert_eq!(main_with(&["nope".into(), "10".into()]), 1);
    }
}
