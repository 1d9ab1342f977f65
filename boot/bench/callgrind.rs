//! Instructions per operation of a host program, counted by
//! `valgrind --tool=callgrind`.
//!
//! Design note: a program's total includes its start-up and exit (dynamic
//! linking, runtime initialisation, thread creation), which would swamp a
//! per-operation figure. So the same operation runs at two iteration counts
//! and only the difference is divided by the difference in operations:
//! whatever does not scale with the count cancels. Callgrind counts only
//! user-space instructions; the kernel's work inside system calls is not in
//! the figure, which the table says beside the Linux-threads column.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::hostcmd::{Cmd, Exec, host_line, last_line, which};

/// The arguments valgrind gets: no output file (only the total is read).
pub const VALGRIND_ARGS: &[&str] = &["--tool=callgrind", "--callgrind-out-file=/dev/null"];

/// The two counts of one measurement and what they give.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InsnCount {
    /// Operations done in the two runs (as the program reported them).
    pub ops: [u64; 2],
    /// Instructions callgrind collected in the two runs.
    pub total: [u64; 2],
    /// `(total[1] - total[0]) / (ops[1] - ops[0])`.
    pub per_op: f64,
}

/// valgrind, found.
#[derive(Clone, Debug)]
pub struct Callgrind {
    pub valgrind: PathBuf,
}

impl Callgrind {
    /// valgrind from `GMP_VALGRIND` or `PATH`, or the one-line reason to skip.
    pub fn find() -> Result<Callgrind, String> {
        let name = std::env::var("GMP_VALGRIND").unwrap_or_else(|_| "valgrind".into());
        which(&name)
            .map(|valgrind| Callgrind { valgrind })
            .ok_or_else(|| "valgrind not found (apt install valgrind)".into())
    }

    /// The instructions one run of `cmd` executes, and the operation count
    /// it printed on its `HOSTBENCH` line.
    pub fn total(&self, exec: &dyn Exec, cmd: &Cmd) -> Result<(u64, u64), String> {
        let wrapped = cmd.wrapped(&self.valgrind, VALGRIND_ARGS);
        let out = exec.run(&wrapped)?;
        if !out.success {
            return Err(format!(
                "{} failed under valgrind: {}",
                cmd.display(),
                last_line(&out.stderr)
            ));
        }
        let insn = collected(&out.stderr).ok_or_else(|| {
            format!(
                "no `Collected :` total from callgrind for {}",
                cmd.display()
            )
        })?;
        let ops = host_line(&out.stdout)?.n;
        Ok((insn, ops))
    }

    /// Instructions per operation: `make(n)` at `n[0]` and `n[1]`
    /// operations, the difference divided out.
    pub fn per_op(
        &self,
        exec: &dyn Exec,
        make: &dyn Fn(u64) -> Cmd,
        n: [u64; 2],
    ) -> Result<InsnCount, String> {
        let (t0, o0) = self.total(exec, &make(n[0]))?;
        let (t1, o1) = self.total(exec, &make(n[1]))?;
        difference([o0, o1], [t0, t1])
    }
}

/// The difference method on two (operations, instructions) pairs.
pub fn difference(ops: [u64; 2], total: [u64; 2]) -> Result<InsnCount, String> {
    if ops[1] <= ops[0] {
        return Err(format!(
            "the second run must do more operations than the first ({} vs {})",
            ops[1], ops[0]
        ));
    }
    if total[1] <= total[0] {
        return Err(format!(
            "the instruction count did not grow with the operations ({} then {})",
            total[0], total[1]
        ));
    }
    Ok(InsnCount {
        ops,
        total,
        per_op: (total[1] - total[0]) as f64 / (ops[1] - ops[0]) as f64,
    })
}

/// callgrind's `==pid== Collected : N` total.
pub fn collected(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|l| {
        let rest = l.split_once("Collected :")?.1;
        rest.trim().replace(',', "").parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::hostcmd::CmdOutput;
    use std::cell::RefCell;

    /// Answers like valgrind running a benchmark: a fixed start-up cost
    /// plus `per_op` instructions per operation.
    struct FakeValgrind {
        startup: u64,
        per_op: u64,
        seen: RefCell<Vec<Cmd>>,
    }

    impl Exec for FakeValgrind {
        fn run(&self, cmd: &Cmd) -> Result<CmdOutput, String> {
            self.seen.borrow_mut().push(cmd.clone());
            let n: u64 = cmd.args.last().unwrap().parse().unwrap();
            Ok(CmdOutput {
                success: true,
                stdout: format!("HOSTBENCH op=fake n={n} ns_per_op=1\n"),
                stderr: format!(
                    "==42== Events    : Ir\n==42== Collected : {}\n==42==\n",
                    self.startup + self.per_op * n
                ),
            })
        }
    }

    #[test]
    fn the_difference_cancels_start_up() {
        let fake = FakeValgrind {
            startup: 1_234_567,
            per_op: 783,
            seen: RefCell::new(Vec::new()),
        };
        let cg = Callgrind {
            valgrind: "/fake/valgrind".into(),
        };
        let make = |n: u64| {
            Cmd::new("/bench/prog")
                .arg("op")
                .arg(n.to_string())
                .env("GOMAXPROCS", "1")
        };
        let c = cg.per_op(&fake, &make, [1000, 3000]).unwrap();
        assert_eq!(c.per_op, 783.0);
        assert_eq!(c.ops, [1000, 3000]);
        assert_eq!(c.total, [1_234_567 + 783_000, 1_234_567 + 2_349_000]);
        let seen = fake.seen.borrow();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].program, PathBuf::from("/fake/valgrind"));
        assert_eq!(
            seen[0].args,
            vec![
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                "/bench/prog",
                "op",
                "1000"
            ]
        );
        assert_eq!(
            seen[1].env,
            vec![("GOMAXPROCS".to_string(), "1".to_string())]
        );
    }

    #[test]
    fn failures_are_explained() {
        let cg = Callgrind {
            valgrind: "/fake/valgrind".into(),
        };
        struct Failing;
        impl Exec for Failing {
            fn run(&self, _: &Cmd) -> Result<CmdOutput, String> {
                Ok(CmdOutput {
                    success: false,
                    stdout: String::new(),
                    stderr: "valgrind: fatal error\n\n".into(),
                })
            }
        }
        let e = cg.total(&Failing, &Cmd::new("/p")).unwrap_err();
        assert!(
            e.contains("failed under valgrind: valgrind: fatal error"),
            "{e}"
        );
        assert!(difference([10, 10], [1, 2]).is_err());
        assert!(
            difference([10, 20], [5, 5])
                .unwrap_err()
                .contains("did not grow")
        );
    }

    #[test]
    fn collected_reads_the_callgrind_total() {
        assert_eq!(collected("==1== Collected : 8168475\n"), Some(8_168_475));
        assert_eq!(collected("==1== I   refs:      8,168,475\n"), None);
        assert_eq!(collected(""), None);
    }
}
