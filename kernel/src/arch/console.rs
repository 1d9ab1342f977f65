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
//! Input: COM1's interrupt handler moves the UART's receive FIFO into a
//! 4 KiB ring under the same lock ([`rx_drain`]); readers take bytes from
//! the ring ([`rx_read`]); the runtime's netpoller (`runtime::netpoll`)
//! says when to look. Line errors the UART reports (overruns of its
//! 16-byte FIFO, framing, parity, break) are counted, never dropped
//! silently. A full ring turns the receive interrupts off, so input waits
//! in the device instead of being lost.

use core::cell::UnsafeCell;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use uart_16550::backend::PioBackend;
use uart_16550::spec::registers::{IER, LSR};
use uart_16550::{BaudRate, Config, Uart16550};

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
    // 115200 baud, not the crate's 9600: QEMU raises the receive interrupt
    // for a FIFO below its trigger level after four characters' time, 4 ms
    // at 9600 baud and 0.35 ms at 115200 (a keystroke would wait that long).
    let config = Config {
        baud_rate: BaudRate::Baud115200,
        ..Config::default()
    };
    let _ = uart.init(config);
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
        Self::take(None)
    }

    /// Take the console for a panic or fault report: never blocks forever.
    fn acquire_for_panic() -> Self {
        Self::take(Some(PANIC_WAIT_SPINS))
    }

    /// Spin for the console; after `give_up_after` spins (if any), take it
    /// from its owner: a core that died holding it must not silence a panic.
    fn take(give_up_after: Option<u64>) -> Self {
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
                    // Only an NMI or exception on this core can re-enter while
                    // we hold the lock (interrupts are off); print anyway.
                    return Self {
                        were_enabled,
                        reentered: true,
                    };
                }
                Err(_) if give_up_after.is_some_and(|max| spins >= max) => {
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

/// Bytes the input ring holds between the UART and the reader (the part
/// an operating system's tty buffer plays): 4 KiB, about 350 ms of input
/// at 115200 baud.
const RX_RING: usize = 4096;

/// Received bytes not yet read, under the console lock.
struct RxRing {
    buf: [u8; RX_RING],
    /// Bytes ever pushed and ever popped (wrapping); `len = head - tail`.
    head: usize,
    tail: usize,
    /// The ring filled up and the UART's receive interrupts were turned
    /// off (flow control); [`rx_read`] turns them back on.
    throttled: bool,
}

static RX: RxCell = RxCell(UnsafeCell::new(RxRing {
    buf: [0; RX_RING],
    head: 0,
    tail: 0,
    throttled: false,
}));

struct RxCell(UnsafeCell<RxRing>);
// SAFETY: the ring is only touched under the console lock.
unsafe impl Sync for RxCell {}

/// Bytes taken from the UART, receive FIFO overruns (input the device
/// lost before anyone read it) and framing/parity/break conditions.
static RX_BYTES: AtomicU64 = AtomicU64::new(0);
static RX_OVERRUNS: AtomicU64 = AtomicU64::new(0);
static RX_LINE_ERRORS: AtomicU64 = AtomicU64::new(0);

const RX_IRQS: IER = IER::DATA_READY.union(IER::RECEIVER_LINE_STATUS);

/// Move what the UART's receive FIFO holds into the input ring, counting
/// line errors; if the ring is full, turn the receive interrupts off (the
/// UART then keeps its bytes and QEMU holds back the rest) until
/// [`rx_read`] makes room. Returns the bytes moved.
///
/// Context: any, including COM1's interrupt handler.
pub fn rx_drain() -> usize {
    let _guard = ConsoleGuard::acquire();
    // SAFETY: we hold the console lock, which guards the UART and the ring.
    unsafe { drain_locked(&mut *RX.0.get()) }
}

/// # Safety
/// The caller holds the console lock.
unsafe fn drain_locked(rx: &mut RxRing) -> usize {
    // SAFETY: the caller holds the console lock.
    let Some(uart) = (unsafe { (*CONSOLE.uart.get()).as_mut() }) else {
        return 0;
    };
    let mut moved = 0;
    loop {
        let lsr = uart.lsr();
        if lsr.contains(LSR::OVERRUN_ERROR) {
            RX_OVERRUNS.fetch_add(1, Ordering::Relaxed);
        }
        if lsr.intersects(LSR::PARITY_ERROR | LSR::FRAMING_ERROR | LSR::BREAK_INTERRUPT) {
            RX_LINE_ERRORS.fetch_add(1, Ordering::Relaxed);
        }
        if !lsr.contains(LSR::DATA_READY) {
            break;
        }
        if rx.head - rx.tail == RX_RING {
            if !rx.throttled {
                rx.throttled = true;
                uart.disable_interrupts(RX_IRQS);
            }
            break;
        }
        let Ok(b) = uart.try_receive_byte() else {
            break;
        };
        rx.buf[rx.head % RX_RING] = b;
        rx.head = rx.head.wrapping_add(1);
        moved += 1;
    }
    RX_BYTES.fetch_add(moved as u64, Ordering::Relaxed);
    moved
}

/// Copy received bytes into `out`; returns how many (0: none buffered).
/// Re-enables the receive interrupts if a full ring had turned them off.
pub fn rx_read(out: &mut [u8]) -> usize {
    let _guard = ConsoleGuard::acquire();
    // SAFETY: we hold the console lock.
    let rx = unsafe { &mut *RX.0.get() };
    let n = out.len().min(rx.head - rx.tail);
    for (i, o) in out[..n].iter_mut().enumerate() {
        *o = rx.buf[rx.tail.wrapping_add(i) % RX_RING];
    }
    rx.tail = rx.tail.wrapping_add(n);
    if rx.throttled && n > 0 {
        rx.throttled = false;
        // SAFETY: we hold the console lock.
        unsafe { drain_locked(rx) };
        if !rx.throttled
            // SAFETY: we hold the console lock.
            && let Some(uart) = unsafe { (*CONSOLE.uart.get()).as_mut() }
        {
            // With bytes still waiting the UART raises its line at once: a
            // fresh edge for the I/O APIC.
            uart.enable_interrupts(RX_IRQS);
        }
    }
    n
}

/// Whether the input ring holds bytes.
pub fn rx_buffered() -> bool {
    let _guard = ConsoleGuard::acquire();
    // SAFETY: we hold the console lock.
    let rx = unsafe { &*RX.0.get() };
    rx.head != rx.tail
}

/// Turn COM1's receive interrupts (data available, line status) on.
pub fn rx_interrupts_on() {
    let _guard = ConsoleGuard::acquire();
    // SAFETY: we hold the console lock.
    if let Some(uart) = unsafe { (*CONSOLE.uart.get()).as_mut() } {
        uart.enable_interrupts(RX_IRQS);
    }
}

/// Input counters so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct RxStats {
    /// Bytes taken from the UART.
    pub bytes: u64,
    /// Receive FIFO overruns the UART reported (input lost in the device).
    pub overruns: u64,
    /// Framing, parity or break conditions reported.
    pub line_errors: u64,
}

pub fn rx_stats() -> RxStats {
    RxStats {
        bytes: RX_BYTES.load(Ordering::Relaxed),
        overruns: RX_OVERRUNS.load(Ordering::Relaxed),
        line_errors: RX_LINE_ERRORS.load(Ordering::Relaxed),
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
