//! The guest's console input: what QEMU's stdin (the guest's COM1 receive
//! side) is connected to.
//!
//! Design note: bytes that reach the UART before the kernel reads it are
//! lost — the firmware and the kernel's UART set-up discard what the
//! receive FIFO holds. So piped input (`echo 'ps; exit' | cargo run --
//! --workload console`, or a test's script) is held by the runner and
//! written to QEMU only after the kernel says it reads its console (the
//! line starting with [`READY`], printed by the netpoller when a G first
//! reads). A terminal is handed to QEMU itself, which puts it in raw mode
//! (no line editing, no echo: the kernel echoes) and keeps Ctrl-C a
//! signal. The runner saves the terminal's settings first and puts them
//! back when the run ends, however it ends (QEMU killed at the timeout, a
//! panic, Ctrl-C, which the runner survives so that it can do this).

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::process::{ChildStdin, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::thread::{self, JoinHandle};

/// The kernel's line saying that it reads console input
/// (kernel/src/runtime/scheduler/netpoll.rs).
pub const READY: &str = "netpoll: COM1 input on";

/// Where the guest's console input comes from.
#[derive(Clone, Debug, Default)]
pub enum Input {
    /// Nothing: the guest's COM1 never receives.
    #[default]
    None,
    /// The runner's own stdin: a terminal goes to QEMU directly; a pipe or
    /// file is forwarded once the kernel reads.
    Stdin,
    /// These bytes, written once the kernel reads, then end of input.
    Bytes(Vec<u8>),
}

/// Set by the SIGINT handler while a run has the terminal.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_sig: libc::c_int) {
    INTERRUPTED.store(true, Ordering::Relaxed);
}

/// Whether Ctrl-C was pressed during a run that had the terminal.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// The terminal's settings as they were before QEMU changed them, put back
/// when dropped; SIGINT is caught meanwhile (QEMU gets it too and ends).
pub struct TerminalGuard {
    saved: Option<libc::termios>,
    old_sigint: Option<libc::sigaction>,
}

impl TerminalGuard {
    fn save() -> TerminalGuard {
        let fd = std::io::stdin().as_raw_fd();
        // SAFETY: `termios` is plain data; tcgetattr fills it or fails.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is our stdin and `t` a valid termios to fill.
        let saved = (unsafe { libc::tcgetattr(fd, &mut t) } == 0).then_some(t);
        // SAFETY: `sigaction` structs are plain data; the handler only
        // stores to an atomic, which is async-signal-safe.
        let old_sigint = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            (libc::sigaction(libc::SIGINT, &sa, &mut old) == 0).then_some(old)
        };
        TerminalGuard { saved, old_sigint }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if let Some(t) = &self.saved {
            // SAFETY: restores settings tcgetattr returned for this fd.
            unsafe { libc::tcsetattr(std::io::stdin().as_raw_fd(), libc::TCSANOW, t) };
        }
        if let Some(old) = &self.old_sigint {
            // SAFETY: puts back the disposition `save` replaced.
            unsafe { libc::sigaction(libc::SIGINT, old, std::ptr::null_mut()) };
        }
    }
}

/// How QEMU's stdin is set up for `input`: the `Stdio`, whether the runner
/// writes it (after [`READY`]), and the terminal guard if QEMU gets a
/// terminal.
pub fn stdio(input: &Input) -> (Stdio, bool, Option<TerminalGuard>) {
    match input {
        Input::None => (Stdio::null(), false, None),
        // SAFETY: isatty only inspects the descriptor.
        Input::Stdin if unsafe { libc::isatty(std::io::stdin().as_raw_fd()) } == 1 => {
            (Stdio::inherit(), false, Some(TerminalGuard::save()))
        }
        Input::Stdin | Input::Bytes(_) => (Stdio::piped(), true, None),
    }
}

/// A thread that waits for the kernel's [`READY`] line (`ready` yields once
/// the serial reader saw it, or errs when the serial output ended), then
/// writes the input to QEMU and closes it.
pub fn forward(input: Input, mut to: ChildStdin, ready: Receiver<()>) -> JoinHandle<()> {
    thread::spawn(move || {
        if ready.recv().is_err() {
            return;
        }
        match input {
            Input::Bytes(bytes) => {
                let _ = to.write_all(&bytes);
            }
            Input::Stdin => {
                let mut stdin = std::io::stdin().lock();
                let mut buf = [0u8; 4096];
                loop {
                    match stdin.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
            }
            Input::None => {}
        }
    })
}
