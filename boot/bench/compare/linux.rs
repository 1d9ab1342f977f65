//! The Linux-threads side of `--compare`: the `gmp-linux-bench` program
//! (or the runner itself through its hidden `linux-bench` subcommand),
//! run per operation.
//!
//! Design note: `cargo run` builds only the runner binary, so the runner
//! does not rely on the separate binary being there: the same code is in
//! the library and reachable as `gmp-metal linux-bench OP N`. Whichever
//! is used, its start-up cancels out of the instruction count.

use super::{Session, Tool, ToolReport};
use crate::bench::hostcmd::Cmd;

/// How to start the Linux benchmark program: the command before `OP N`.
#[derive(Clone, Debug)]
pub struct LinuxBench {
    pub prefix: Cmd,
    /// How it was built, if that matters for its figures.
    pub build_note: Option<String>,
}

/// Names the Linux benchmark program to use instead of the runner's own.
pub const LINUX_BENCH_ENV: &str = "GMP_LINUX_BENCH";

impl LinuxBench {
    /// `GMP_LINUX_BENCH` if set; else `gmp-linux-bench` beside the running
    /// executable, else the running executable's `linux-bench` subcommand.
    pub fn beside_current_exe() -> Result<LinuxBench, String> {
        if !cfg!(target_os = "linux") {
            return Err("Linux threads are measured on Linux hosts only".into());
        }
        if let Some(p) = std::env::var_os(LINUX_BENCH_ENV) {
            let p = std::path::PathBuf::from(p);
            if !p.is_file() {
                return Err(format!("{LINUX_BENCH_ENV}={} does not exist", p.display()));
            }
            return Ok(LinuxBench {
                build_note: Some(format!("{LINUX_BENCH_ENV}={}", p.display())),
                prefix: Cmd::new(p),
            });
        }
        let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
        let sibling = exe.with_file_name("gmp-linux-bench");
        Ok(LinuxBench {
            build_note: cfg!(debug_assertions).then(|| "debug build".to_string()),
            prefix: if sibling.is_file() {
                Cmd::new(sibling)
            } else {
                Cmd::new(exe).arg("linux-bench")
            },
        })
    }

    /// Every Linux operation of `plan`.
    pub fn run_all(&self, s: &mut Session) -> ToolReport {
        let plan = s.plan;
        let native = |op: &str, n: u64| self.prefix.clone().arg(op).arg(n.to_string());
        let figures = s.measure_ops("Linux", &plan.linux_ops, &native, &native);
        let version = match &self.build_note {
            Some(n) => format!("{}, {n}", kernel_release()),
            None => kernel_release(),
        };
        ToolReport::ran(Tool::Linux, version, figures)
    }
}

/// `Linux <release>` of the host.
pub fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|r| format!("Linux {}", r.trim()))
        .unwrap_or_else(|_| "Linux".into())
}
