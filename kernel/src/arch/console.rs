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

use core::cell::UnsafeCell;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU32, Ordering};

use uart_16550::backend::PioBackend;
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
