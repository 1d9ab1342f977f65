//! The serial console on COM1, usable from every core, from interrupt
//! handlers and from the panic path.
//!
//! One lock serialises whole lines so that output from different Ms does not
//! interleave mid-line. The lock records which M holds it, for two reasons:
//! interrupts are disabled while it is held (an interrupt handler that prints
//! cannot spin on a lock its own core holds), and the panic path can take the
//! console over — immediately if the panicking core is the holder (it was
//! interrupted mid-print by its own fault), or after a bounded wait if
//! another core holds it (that core may be the one that is stuck). A panic
//! must always print.
//!
//! Input: the receive side is read under the same lock ([`receive`]), by
//! the runtime's netpoller when COM1 interrupts (see `runtime::netpoll`);
//! line errors the UART reports (overruns of its 16-byte FIFO, framing,
//! parity, break) are counted, never dropped silently.

use core::cell::UnsafeCell;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU32, Ordering};

use uart_16550::backend::PioBackend;
use uart_16550::spec::registers::{IER, LSR};
use uart_16550::{Config, Uart16550};

use crate::arch::{cpu, percpu};

const COM1: u16 = 0x3f8;
const FREE: u32 = u32::MAX;
/// How many spins the panic path waits for another core to release the
/// console before taking it anyway.
const PANIC_WAIT_SPINS: u64 = 50_000_000;

struct Console {
    owner: AtomicU32,
    uart: UnsafeCell<Option<Uart16550<PioBackend>>>,
}

// SAFETY: `uart` is only touched by the core recorded in `owner`.
unsafe impl Sync for Console {}

static CONSOLE: Console = Console {
    owner: AtomicU32::new(FREE),
    uart: UnsafeCell::new(None),
};

/// Initialise COM1. Called once by the bootstrap core before anything prints.
pub fn init() {
    // SAFETY: COM1's eight ports belong to this driver for the kernel's lifetime.
    let mut uart = unsafe { Uart16550::new_port(COM1) }.expect("COM1 port range is valid");
    // Without a working UART there is nowhere to report; carry on silently.
    let _ = uart.init(Config::default());
    let _guard = ConsoleGuard::acquire();
    // SAFETY: we hold the console lock.
    unsafe { *CONSOLE.uart.get() = Some(uart) };
}

/// Holds the console; interrupts stay off on this core until it drops.
struct ConsoleGuard {
    were_enabled: bool,
    reentered: bool,
}

impl ConsoleGuard {
    fn acquire() -> Self {
        let were_enabled = cpu::interrupts_disable_save();
        let me = percpu::this_cpu_id();
        loop {
            match CONSOLE.owner.compare_exchange_weak(
                FREE,
                me,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Self {
                        were_enabled,
                        reentered: false,
                    };
                }
                Err(owner) if owner == me => {
                    // Only an NMI or exception on this core can re-enter while
                    // we hold the lock (interrupts are off); print anyway.
                    return Self {
                        were_enabled,
                        reentered: true,
                    };
                }
                Err(_) => cpu::relax(),
            }
        }
    }

    /// Take the console for a panic or fault report: never blocks forever.
    fn acquire_for_panic() -> Self {
        let were_enabled = cpu::interrupts_disable_save();
        let me = percpu::this_cpu_id();
        let mut spins = 0u64;
        loop {
            match CONSOLE.owner.compare_exchange_weak(
                FREE,
                me,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Self {
                        were_enabled,
                        reentered: false,
                    };
                }
                Err(owner) if owner == me => {
                    return Self {
                        were_enabled,
                        reentered: true,
                    };
                }
                Err(_) if spins >= PANIC_WAIT_SPINS => {
                    CONSOLE.owner.swap(me, Ordering::Acquire);
                    return Self {
                        were_enabled,
                        reentered: false,
                    };
                }
                Err(_) => {
                    spins += 1;
                    cpu::relax();
                }
            }
        }
    }
}

impl Drop for ConsoleGuard {
    fn drop(&mut self) {
        if !self.reentered {
            CONSOLE.owner.store(FREE, Ordering::Release);
        }
        cpu::interrupts_restore(self.were_enabled);
    }
}

impl Write for ConsoleGuard {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: this core holds the console (or re-entered it on the panic
        // path, where interleaving is the lesser evil).
        if let Some(uart) = unsafe { (*CONSOLE.uart.get()).as_mut() } {
            uart.send_bytes_exact(s.as_bytes());
        }
        Ok(())
    }
}

/// What one [`receive`] call saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Received {
    /// Bytes taken from the UART.
    pub bytes: usize,
    /// Receive FIFO overruns the UART reported (input lost in the device).
    pub overruns: u64,
    /// Framing, parity or break conditions reported.
    pub line_errors: u64,
    /// Bytes were left in the UART because `take` refused them.
    pub left: bool,
}

/// Take received bytes from COM1 while `take(byte)` accepts them (`room`
/// says whether it can take one more before the byte is read), counting
/// the line errors. Usable from interrupt handlers and from any core.
pub fn receive(mut room: impl FnMut() -> bool, mut take: impl FnMut(u8)) -> Received {
    let _guard = ConsoleGuard::acquire();
    let mut r = Received::default();
    // SAFETY: we hold the console lock.
    let Some(uart) = (unsafe { (*CONSOLE.uart.get()).as_mut() }) else {
        return r;
    };
    loop {
        let lsr = uart.lsr();
        if lsr.contains(LSR::OVERRUN_ERROR) {
            r.overruns += 1;
        }
        if lsr.intersects(LSR::PARITY_ERROR | LSR::FRAMING_ERROR | LSR::BREAK_INTERRUPT) {
            r.line_errors += 1;
        }
        if !lsr.contains(LSR::DATA_READY) {
            return r;
        }
        if !room() {
            r.left = true;
            return r;
        }
        match uart.try_receive_byte() {
            Ok(b) => {
                take(b);
                r.bytes += 1;
            }
            Err(_) => return r,
        }
    }
}

/// Turn COM1's receive interrupts (data available, line status) on or off.
/// Off is the flow control of a full input buffer: the UART then keeps
/// what it has, and QEMU holds back the rest.
pub fn receive_interrupts(on: bool) {
    let _guard = ConsoleGuard::acquire();
    // SAFETY: we hold the console lock.
    if let Some(uart) = unsafe { (*CONSOLE.uart.get()).as_mut() } {
        let rx = IER::DATA_READY | IER::RECEIVER_LINE_STATUS;
        if on {
            uart.enable_interrupts(rx);
        } else {
            uart.disable_interrupts(rx);
        }
    }
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    let mut guard = ConsoleGuard::acquire();
    let _ = guard.write_fmt(args);
}

/// Print a report from the panic or fault path: takes the console over if
/// needed so the report always appears.
pub fn print_for_panic(args: fmt::Arguments) {
    let mut guard = ConsoleGuard::acquire_for_panic();
    let _ = guard.write_fmt(args);
}

/// Print to the serial console.
#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => ($crate::arch::console::_print(format_args!($($arg)*)));
}

/// Print a line to the serial console; the whole line is written under one
/// lock so lines from different cores never interleave.
#[macro_export]
macro_rules! kprintln {
    () => ($crate::kprint!("\n"));
    ($($arg:tt)*) => ($crate::arch::console::_print(format_args!("{}\n", format_args!($($arg)*))));
}
