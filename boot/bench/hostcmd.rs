//! Running host programs for `--compare`: the command, the seam that tests
//! replace, and the `HOSTBENCH` line both comparison programs print.
//!
//! Design note: every host measurement goes through the [`Exec`] trait, so
//! the arithmetic around it (medians, the callgrind difference, skipping a
//! missing tool) is tested with a fake that answers like the real programs
//! without running them. The real implementation is a plain
//! `std::process::Command` with a time limit.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::kernel_output::fields;

/// One program run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmd {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The working directory, if not ours (rustup picks the toolchain by
    /// it).
    pub dir: Option<PathBuf>,
}

impl Cmd {
    pub fn new(program: impl Into<PathBuf>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            dir: None,
        }
    }

    pub fn arg(mut self, a: impl Into<String>) -> Cmd {
        self.args.push(a.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, a: I) -> Cmd {
        self.args.extend(a.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, k: impl Into<String>, v: impl Into<String>) -> Cmd {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn dir(mut self, d: impl Into<PathBuf>) -> Cmd {
        self.dir = Some(d.into());
        self
    }

    /// The same command run by `wrapper` (e.g. valgrind) with its own
    /// arguments first.
    pub fn wrapped(&self, wrapper: &Path, wrapper_args: &[&str]) -> Cmd {
        let mut args: Vec<String> = wrapper_args.iter().map(|s| s.to_string()).collect();
        args.push(self.program.display().to_string());
        args.extend(self.args.iter().cloned());
        Cmd {
            program: wrapper.to_path_buf(),
            args,
            env: self.env.clone(),
            dir: self.dir.clone(),
        }
    }

    /// The command as a shell line, for messages.
    pub fn display(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.env {
            s.push_str(&format!("{k}={v} "));
        }
        s.push_str(&self.program.display().to_string());
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        s
    }
}

/// What a finished program left.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CmdOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs host programs.
pub trait Exec {
    fn run(&self, cmd: &Cmd) -> Result<CmdOutput, String>;
}

/// Runs them for real, killing any that takes longer than `limit`.
pub struct System {
    pub limit: Duration,
}

impl Default for System {
    fn default() -> Self {
        System {
            limit: Duration::from_secs(600),
        }
    }
}

impl Exec for System {
    fn run(&self, cmd: &Cmd) -> Result<CmdOutput, String> {
        let mut command = Command::new(&cmd.program);
        if let Some(d) = &cmd.dir {
            command.current_dir(d);
        }
        let mut child = command
            .args(&cmd.args)
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", cmd.program.display()))?;
        let out = pump(child.stdout.take());
        let err = pump(child.stderr.take());
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
                break s;
            }
            if start.elapsed() > self.limit {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} did not finish in {} s",
                    cmd.display(),
                    self.limit.as_secs()
                ));
            }
            thread::sleep(Duration::from_millis(5));
        };
        Ok(CmdOutput {
            success: status.success(),
            stdout: out.join().unwrap_or_default(),
            stderr: err.join().unwrap_or_default(),
        })
    }
}

fn pump<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut s);
        }
        String::from_utf8_lossy(&s).into_owned()
    })
}

/// A `HOSTBENCH op=... n=... key=value...` line.
#[derive(Clone, Debug, PartialEq)]
pub struct HostLine {
    pub op: String,
    pub n: u64,
    pub fields: BTreeMap<String, String>,
}

impl HostLine {
    /// A numeric field.
    pub fn num(&self, key: &str) -> Result<f64, String> {
        let v = self
            .fields
            .get(key)
            .ok_or_else(|| format!("{} printed no {key}=", self.op))?;
        v.parse()
            .map_err(|_| format!("{}: {key}={v:?} is not a number", self.op))
    }
}

/// The first `HOSTBENCH` line of `stdout`.
pub fn host_line(stdout: &str) -> Result<HostLine, String> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("HOSTBENCH "))
        .ok_or("no HOSTBENCH line in the output")?;
    let mut f = fields(line)?;
    let op = f.remove("op").ok_or("HOSTBENCH line without op=")?;
    let n = f
        .remove("n")
        .and_then(|n| n.parse().ok())
        .ok_or("HOSTBENCH line without a count n=")?;
    Ok(HostLine { op, n, fields: f })
}

/// Runs `cmd` and reads its `HOSTBENCH` line.
pub fn run_host_line(exec: &dyn Exec, cmd: &Cmd) -> Result<HostLine, String> {
    let out = exec.run(cmd)?;
    if !out.success {
        return Err(format!(
            "{} failed: {}",
            cmd.display(),
            last_line(&out.stderr)
        ));
    }
    host_line(&out.stdout)
}

/// The last non-blank line of `text`, for error messages.
pub fn last_line(text: &str) -> &str {
    text.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("(no output)")
        .trim()
}

/// The median of `v` (mean of the middle two for an even count).
pub fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    Some(if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    })
}

/// `name` looked up in `PATH` (a name with a slash is taken as a path).
pub fn which(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    let path: OsString = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_lines_are_read_and_bad_ones_refused() {
        let l = host_line("noise\nHOSTBENCH op=spawn n=10 ns_per_op=12.5\n").unwrap();
        assert_eq!(l.op, "spawn");
        assert_eq!(l.n, 10);
        assert_eq!(l.num("ns_per_op").unwrap(), 12.5);
        assert!(l.num("bytes").is_err());
        assert!(host_line("nothing").is_err());
        assert!(host_line("HOSTBENCH n=3").is_err());
        assert!(host_line("HOSTBENCH op=x n=many").is_err());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    #[test]
    fn wrapping_puts_the_program_after_the_wrapper_arguments() {
        let c = Cmd::new("/bin/prog").arg("x").env("A", "1");
        let w = c.wrapped(Path::new("/usr/bin/valgrind"), &["--tool=callgrind"]);
        assert_eq!(w.program, PathBuf::from("/usr/bin/valgrind"));
        assert_eq!(w.args, vec!["--tool=callgrind", "/bin/prog", "x"]);
        assert_eq!(
            w.display(),
            "A=1 /usr/bin/valgrind --tool=callgrind /bin/prog x"
        );
    }

    #[test]
    fn the_system_runner_reports_output_status_and_the_time_limit() {
        let sys = System::default();
        let ok = sys
            .run(&Cmd::new("sh").args(["-c", "echo out; echo err >&2"]))
            .unwrap();
        assert!(ok.success);
        assert_eq!(ok.stdout, "out\n");
        assert_eq!(ok.stderr, "err\n");
        let here = sys.run(&Cmd::new("pwd").dir("/tmp")).unwrap();
        assert_eq!(here.stdout, "/tmp\n");
        let bad = sys.run(&Cmd::new("sh").args(["-c", "exit 3"])).unwrap();
        assert!(!bad.success);
        assert!(sys.run(&Cmd::new("/nonexistent/prog")).is_err());
        let slow = System {
            limit: Duration::from_millis(50),
        };
        let e = slow.run(&Cmd::new("sleep").arg("5")).unwrap_err();
        assert!(e.contains("did not finish"), "{e}");
    }
}
