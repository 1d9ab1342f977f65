//! Running QEMU: spawn it, pump its serial output, enforce the timeout.
//!
//! Design note: QEMU's stdout is the guest's COM1 and its stderr is QEMU's
//! own voice; each gets a reader thread so neither pipe can fill up and
//! stall the guest. A reader hands out whole lines, echoing them live when
//! asked, and keeps everything for the caller. The main thread only polls
//! for QEMU's end against the deadline, so a timeout needs no signals and
//! no extra crates. QEMU is killed if the caller unwinds (a panicking
//! test), so no orphaned emulator keeps a core busy. At the timeout a hung
//! kernel is first asked, through QEMU's monitor, for an NMI: every core
//! prints where it is and M0 the scheduler's state, and that ends up in the
//! serial tail the runner shows.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::error::RunError;
use crate::goroutines;
use crate::input::{self, Input};
use crate::outcome::{Outcome, Verdict};
use crate::qemu::QemuCommand;
use crate::symbolize::{BACKTRACE_PREFIX, Symbolizer};

/// How often the main thread looks for QEMU's end.
const POLL: Duration = Duration::from_millis(10);

/// Where a reader echoes its lines.
#[derive(Clone, Copy)]
enum Echo {
    None,
    Stdout,
    Stderr,
}

/// Kills the child if dropped before it was reaped.
struct Reaper(Option<Child>);

impl Reaper {
    /// Kills and reaps the child (once). Dropping a `Child` does neither.
    fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How long a hung kernel gets to print its NMI snapshot before QEMU is
/// killed at the timeout.
const SNAPSHOT_GRACE: Duration = Duration::from_secs(5);

/// A QEMU monitor socket for this run: at the timeout the runner asks QEMU
/// for an NMI (`nmi` on the monitor), so a hung kernel reports where every
/// core is and M0 prints the scheduler's state (scheddetail) before QEMU is
/// killed. Removed when dropped.
struct Monitor(std::path::PathBuf);

impl Monitor {
    fn new() -> Monitor {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Monitor(std::env::temp_dir().join(format!("gmp-metal-mon-{}-{n}.sock", std::process::id())))
    }

    /// `-monitor unix:PATH,server=on,wait=off`.
    fn args(&self) -> [std::ffi::OsString; 2] {
        let mut spec = std::ffi::OsString::from("unix:");
        spec.push(&self.0);
        spec.push(",server=on,wait=off");
        ["-monitor".into(), spec]
    }

    /// Ask for an NMI on every core. The connection is returned to be kept
    /// open while the kernel reports (QEMU may drop a command whose
    /// connection closes at once); `None` if the monitor did not answer.
    fn nmi(&self) -> Option<std::os::unix::net::UnixStream> {
        use std::io::Read;
        use std::os::unix::net::UnixStream;
        let mut s = UnixStream::connect(&self.0).ok()?;
        let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
        let _ = s.set_write_timeout(Some(Duration::from_secs(1)));
        // The greeting ends in the "(qemu) " prompt.
        let mut greeting = [0u8; 512];
        let _ = s.read(&mut greeting);
        s.write_all(b"nmi\n").ok()?;
        Some(s)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `cmd` to its end or to `timeout`. With a timeout, QEMU also gets a
/// monitor socket, through which a hung kernel is asked for a snapshot
/// (an NMI) before it is killed.
pub fn execute(
    cmd: &QemuCommand,
    timeout: Option<Duration>,
    echo: bool,
    input: Input,
) -> Result<Outcome, RunError> {
    let started = Instant::now();
    let monitor = timeout.map(|_| Monitor::new());
    let mut cmd = cmd.clone();
    if let Some(m) = &monitor {
        cmd.args.extend(m.args());
    }
    let cmd = &cmd;
    let (stdin, writes_input, _terminal) = input::stdio(&input);
    let mut child = Command::new(&cmd.program)
        .args(&cmd.args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => RunError::QemuNotFound {
                program: cmd.program.clone(),
            },
            _ => RunError::QemuSpawn {
                program: cmd.program.clone(),
                source,
            },
        })?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    if writes_input && let Some(to) = child.stdin.take() {
        // Not joined: a forwarder reading the runner's stdin may wait for
        // input that never comes; it ends with the process.
        let _ = input::forward(input, to, ready_rx);
    }
    let serial = reader(
        child.stdout.take(),
        if echo { Echo::Stdout } else { Echo::None },
        true,
        writes_input.then_some(ready_tx),
    );
    let stderr = reader(
        child.stderr.take(),
        if echo { Echo::Stderr } else { Echo::None },
        false,
        None,
    );
    let mut reaper = Reaper(Some(child));

    let verdict = wait(&mut reaper, started, timeout, monitor.as_ref());
    let elapsed = started.elapsed();
    Ok(Outcome {
        verdict,
        serial: serial.join().unwrap_or_default(),
        qemu_stderr: stderr.join().unwrap_or_default(),
        elapsed,
        command: cmd.clone(),
        timeout,
    })
}

/// Waits for QEMU to end, killing it at the deadline (after asking the
/// kernel for its NMI snapshot, when there is a monitor).
fn wait(
    reaper: &mut Reaper,
    started: Instant,
    timeout: Option<Duration>,
    monitor: Option<&Monitor>,
) -> Verdict {
    loop {
        let Some(child) = reaper.0.as_mut() else {
            return Verdict::Other(None);
        };
        match child.try_wait() {
            Ok(Some(status)) => {
                reaper.0 = None;
                return Verdict::from_qemu_status(status.code());
            }
            Ok(None) => {}
            Err(_) => {
                reaper.kill();
                return Verdict::Other(None);
            }
        }
        if let Some(limit) = timeout {
            let spent = started.elapsed();
            if spent >= limit {
                if let Some(_conn) = monitor.and_then(Monitor::nmi) {
                    let grace = Instant::now();
                    while grace.elapsed() < SNAPSHOT_GRACE
                        && reaper
                            .0
                            .as_mut()
                            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
                    {
                        thread::sleep(POLL);
                    }
                }
                reaper.kill();
                return Verdict::Timeout;
            }
            thread::sleep(POLL.min(limit - spent));
        } else {
            thread::sleep(POLL);
        }
    }
}

/// A thread that reads `pipe` to its end, echoing what arrives (a line's
/// start as soon as it arrives: a prompt and the keys the kernel echoes
/// have no newline yet), and returns all of it (invalid UTF-8 replaced).
/// With `symbolize`, a kernel backtrace line is followed by its frames,
/// named from the kernel's debug info (loaded at the first such line), and
/// a goroutine dump's raw lines are replaced by Go's layout
/// ([`goroutines::rewrite`]).
/// `ready` is signalled at the kernel's first [`input::READY`] line.
fn reader<R: Read + Send + 'static>(
    pipe: Option<R>,
    echo: Echo,
    symbolize: bool,
    mut ready: Option<std::sync::mpsc::Sender<()>>,
) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut symbolizer: Option<Symbolizer> = None;
        let mut all = String::new();
        let Some(pipe) = pipe else { return all };
        let mut pipe = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            // What of the line was echoed already (a partial line).
            let mut echoed = 0;
            line.clear();
            let complete = loop {
                let Ok(buf) = pipe.fill_buf() else {
                    break false;
                };
                if buf.is_empty() {
                    break false;
                }
                let (take, done) = match buf.iter().position(|&b| b == b'\n') {
                    Some(i) => (i + 1, true),
                    None => (buf.len(), false),
                };
                line.extend_from_slice(&buf[..take]);
                pipe.consume(take);
                if done {
                    break true;
                }
                // A backtrace line waits whole: its frames follow it; so
                // does a goroutine dump's raw line, which is replaced.
                let maybe_backtrace = symbolize
                    && (line.starts_with(BACKTRACE_PREFIX.as_bytes())
                        || BACKTRACE_PREFIX.as_bytes().starts_with(&line)
                        || goroutines::may_rewrite(&line));
                if !pipe.buffer().is_empty() || maybe_backtrace {
                    continue;
                }
                // Nothing more buffered: show the partial line now.
                echo_bytes(echo, &line[echoed..]);
                echoed = line.len();
            };
            if line.is_empty() {
                break;
            }
            let mut text = String::from_utf8_lossy(&line).into_owned();
            if ready.is_some() && text.contains(input::READY) {
                let _ = ready.take().map(|tx| tx.send(()));
            }
            if symbolize && text.starts_with(BACKTRACE_PREFIX) {
                let sym = symbolizer.get_or_insert_with(Symbolizer::kernel);
                if let Some(frames) = sym.expand(&text) {
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    text.push_str(&frames);
                }
            } else if symbolize && goroutines::may_rewrite(text.as_bytes()) {
                let sym = symbolizer.get_or_insert_with(Symbolizer::kernel);
                if let Some(go_layout) = goroutines::rewrite(sym, &text) {
                    text = go_layout;
                }
            }
            // The part not yet shown (the whole of a backtrace line).
            echo_bytes(echo, &text.as_bytes()[echoed.min(text.len())..]);
            all.push_str(&text);
            if !complete {
                break;
            }
        }
        all
    })
}

fn echo_bytes(echo: Echo, bytes: &[u8]) {
    match echo {
        Echo::None => {}
        Echo::Stdout => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            let _ = out.flush();
        }
        Echo::Stderr => {
            let _ = std::io::stderr().lock().write_all(bytes);
        }
    }
}
