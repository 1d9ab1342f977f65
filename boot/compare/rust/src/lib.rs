//! What the tokio and may benchmark programs share: the command line, the
//! `HOSTBENCH` line the runner reads, and the resident set size.
//!
//! Design note: the same contract as the Go program in `../go`: one
//! operation per process, its count from the command line, nothing else
//! done between start-up and exit, so the runner's two-count callgrind
//! difference cancels start-up and the printed time covers the loop alone.
//! Every result is one line:
//!
//! ```text
//! HOSTBENCH op=<name> n=<ops> ns_per_op=<float> [key=value...]
//! ```

use std::time::Duration;

/// The operation and its count, from `PROGRAM OP N`; exits with status 2
/// and a usage line on anything else.
pub fn args(program: &str, ops: &[&str]) -> (String, u64) {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!("usage: {program} OP N");
        eprintln!("ops: {}", ops.join(" "));
        std::process::exit(2);
    };
    let [op, n] = argv.as_slice() else { usage() };
    if !ops.contains(&op.as_str()) {
        eprintln!("{program}: unknown op {op:?}");
        usage();
    }
    match n.parse::<u64>() {
        Ok(n) if n >= 2 => (op.clone(), n),
        _ => {
            eprintln!("{program}: N must be an integer >= 2, got {n:?}");
            std::process::exit(2);
        }
    }
}

/// Prints the result line of a timed operation.
pub fn report(op: &str, n: u64, d: Duration) {
    println!(
        "HOSTBENCH op={op} n={n} ns_per_op={:.3}",
        d.as_nanos() as f64 / n as f64
    );
}

/// Prints the result line of a memory measurement: the growth of the
/// resident set over `n` parked tasks, per task.
pub fn report_mem(op: &str, n: u64, before: u64, after: u64) {
    println!(
        "HOSTBENCH op={op} n={n} bytes_per_task={:.1} rss_before={before} rss_after={after}",
        after.saturating_sub(before) as f64 / n as f64
    );
}

/// The resident set size of this process in bytes (`VmRSS` of
/// `/proc/self/status`). RSS, not the allocator's own figures, because
/// may's coroutine stacks are mappings of their own that no allocator sees:
/// only the pages a task really touched count, for both programs alike.
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_else(|e| {
        eprintln!("cannot read /proc/self/status: {e}");
        std::process::exit(1);
    });
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or_else(|| {
            eprintln!("no VmRSS in /proc/self/status");
            std::process::exit(1);
        })
}
