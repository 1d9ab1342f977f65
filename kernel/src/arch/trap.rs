//! The one way up: how interrupts and exceptions reach the runtime.
//!
//! Design note: the machine layer never names the scheduler (layers point
//! down only; see `main.rs`). Like xv6, whose trap code only calls
//! `yield()`, every vector that needs the runtime calls one function, the
//! runtime's trap entry (`runtime::trap::trap`), which `boot` installs here
//! before interrupts are enabled. Arch describes *what* happened as a
//! [`Trap`]; the runtime decides what it means (a sysmon tick, a
//! preemption, a G stack to grow, a stuck core to report) and answers with
//! [`Handled`]. Before the entry is installed, or when the runtime says
//! [`Handled::No`], arch does the machine's default: report and stop.

use core::fmt;
use core::sync::atomic::{AtomicPtr, Ordering};

use x86_64::structures::idt::InterruptStackFrame;

/// What happened.
pub enum Trap<'a> {
    /// The APIC timer ticked on this core.
    Timer,
    /// Another core asked this core's G to yield (the preempt IPI).
    Preempt,
    /// A device interrupt: ISA IRQ `irq` (routed through the I/O APIC; the
    /// EOI is already sent).
    Device { irq: u8 },
    /// A page fault, on its own IST stack.
    PageFault {
        addr: u64,
        code: u64,
        frame: &'a InterruptStackFrame,
    },
    /// A non-maskable interrupt (the watchdog's, or a snapshot request).
    Nmi { frame: &'a InterruptStackFrame },
    /// A fault report is being written: add where this core is (which G
    /// runs) to `out`, e.g. ` in G5`.
    Whereabouts { out: &'a mut dyn fmt::Write },
}

/// The runtime's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Dealt with; return from the interrupt.
    Yes,
    /// Not the runtime's: arch applies its default (report and stop).
    No,
}

/// The runtime's trap entry.
pub type Entry = fn(Trap<'_>) -> Handled;

static ENTRY: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Install the runtime's trap entry (bootstrap core, once, before any
/// interrupt is enabled).
pub fn install(entry: Entry) {
    ENTRY.store(entry as *mut (), Ordering::Release);
}

/// Hand `t` to the runtime; [`Handled::No`] if no entry is installed yet.
#[inline]
pub fn dispatch(t: Trap<'_>) -> Handled {
    let f = ENTRY.load(Ordering::Acquire);
    if f.is_null() {
        return Handled::No;
    }
    // SAFETY: only `install` stores here, and it stores an `Entry`.
    let f: Entry = unsafe { core::mem::transmute::<*mut (), Entry>(f) };
    f(t)
}

/// ` in G5` (or ` on g0`) for a report, as the runtime says.
pub struct Whereabouts;

impl fmt::Display for Whereabouts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = heapless_line::Line::new();
        if dispatch(Trap::Whereabouts { out: &mut s }) == Handled::No {
            return Ok(());
        }
        f.write_str(s.as_str())
    }
}

/// A small fixed buffer for one phrase (a report must not allocate: the
/// heap may be what failed).
mod heapless_line {
    use core::fmt;

    pub struct Line {
        buf: [u8; 48],
        len: usize,
    }

    impl Line {
        pub fn new() -> Line {
            Line {
                buf: [0; 48],
                len: 0,
            }
        }

        pub fn as_str(&self) -> &str {
            core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
        }
    }

    impl fmt::Write for Line {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let room = self.buf.len() - self.len;
            let n = s.len().min(room);
            self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }
}
