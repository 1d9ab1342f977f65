//! How a run ended, and what the runner says about it.
//!
//! Design note: the verdict is decided only by how QEMU ended — the exit
//! port's 33/35, the runner's own timeout, or anything else — never by
//! scanning the serial log, so a kernel that prints "ok" and then triple
//! faults is not a success. The serial log is kept whole for the tests to
//! assert on, and its tail is what a human sees when something went wrong.

use std::fmt;
use std::time::Duration;

use crate::exit;
use crate::qemu::QemuCommand;

/// How QEMU ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The kernel wrote 0x10 to the exit port (QEMU status 33).
    Success,
    /// The kernel wrote 0x11 to the exit port (QEMU status 35).
    Failure,
    /// The runner killed QEMU at the timeout.
    Timeout,
    /// QEMU ended some other way: its exit status, or `None` if a signal
    /// killed it.
    Other(Option<i32>),
}

impl Verdict {
    /// The verdict for QEMU's exit status (`None`: killed by a signal).
    pub fn from_qemu_status(code: Option<i32>) -> Verdict {
        match code {
            Some(exit::QEMU_SUCCESS) => Verdict::Success,
            Some(exit::QEMU_FAILURE) => Verdict::Failure,
            other => Verdict::Other(other),
        }
    }

    /// The runner's exit status for this verdict.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Success => exit::SUCCESS,
            Verdict::Failure => exit::FAILURE,
            Verdict::Timeout => exit::TIMEOUT,
            Verdict::Other(_) => exit::QEMU_OTHER,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Success => f.write_str("success"),
            Verdict::Failure => f.write_str("failure"),
            Verdict::Timeout => f.write_str("timeout"),
            Verdict::Other(Some(c)) => write!(f, "QEMU exit status {c}"),
            Verdict::Other(None) => f.write_str("QEMU killed by a signal"),
        }
    }
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub verdict: Verdict,
    /// Everything the kernel (and the bootloader) wrote to COM1.
    pub serial: String,
    /// What QEMU itself wrote to stderr (its warnings and errors).
    pub qemu_stderr: String,
    /// Wall-clock time from spawning QEMU to its end.
    pub elapsed: Duration,
    /// The command that ran.
    pub command: QemuCommand,
    /// The timeout that applied, if any.
    pub timeout: Option<Duration>,
}

impl Outcome {
    /// The runner's exit status.
    pub fn exit_code(&self) -> i32 {
        self.verdict.exit_code()
    }

    /// The serial log's lines.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.serial.lines()
    }

    /// The last `n` lines of the serial log (all of it if shorter).
    pub fn tail(&self, n: usize) -> &str {
        tail(&self.serial, n)
    }

    /// One sentence on how the run ended, for anything but success.
    pub fn explain(&self) -> Option<String> {
        let unreported = "without the kernel reporting success or failure";
        match self.verdict {
            Verdict::Success => None,
            Verdict::Failure => Some(format!(
                "the kernel reported failure (QEMU exit status {})",
                exit::QEMU_FAILURE
            )),
            Verdict::Timeout => Some(format!(
                "timeout: QEMU was killed after {} {unreported}",
                secs(self.timeout.unwrap_or(self.elapsed))
            )),
            Verdict::Other(Some(0)) => Some(format!(
                "QEMU exited with status 0 {unreported} — a triple fault resets the machine and -no-reboot turns that into an exit"
            )),
            Verdict::Other(Some(code)) => {
                let said = self
                    .qemu_stderr
                    .lines()
                    .rfind(|l| !l.trim().is_empty())
                    .map(|l| format!(" (QEMU said: {})", l.trim()))
                    .unwrap_or_default();
                Some(format!("QEMU exited with status {code} {unreported}{said}"))
            }
            Verdict::Other(None) => Some(format!("QEMU was killed by a signal {unreported}")),
        }
    }
}

fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The last `n` lines of `text`, without copying.
pub fn tail(text: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    match body.rmatch_indices('\n').nth(n - 1) {
        Some((i, _)) => &text[i + 1..],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_counts_lines_from_the_end() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc\n");
        assert_eq!(tail("a\nb\nc", 2), "b\nc");
        assert_eq!(tail("a\nb\nc\n", 5), "a\nb\nc\n");
        assert_eq!(tail("a\nb\n", 0), "");
        assert_eq!(tail("", 3), "");
    }

    #[test]
    fn qemu_statuses_map_to_verdicts_and_exit_codes() {
        let v = Verdict::from_qemu_status;
        assert_eq!(v(Some(33)), Verdict::Success);
        assert_eq!(v(Some(35)), Verdict::Failure);
        assert_eq!(v(Some(0)), Verdict::Other(Some(0)));
        assert_eq!(v(None), Verdict::Other(None));
        let codes: Vec<i32> = [
            Verdict::Success,
            Verdict::Failure,
            Verdict::Timeout,
            Verdict::Other(Some(1)),
        ]
        .map(Verdict::exit_code)
        .into();
        assert_eq!(codes, vec![0, 1, 124, 3]);
    }
}
