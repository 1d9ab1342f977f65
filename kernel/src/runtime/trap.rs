//! The runtime's trap entry: the one function through which interrupts and
//! exceptions reach the scheduler (see `arch::trap`).
//!
//! Design note: the machine layer says *what* happened; this file says what
//! it means for Gs, Ms and Ps — the counterpart of xv6's `trap()` deciding
//! that a timer interrupt means `yield()`:
//! - the APIC timer is sysmon's tick (`sysmon::on_tick`), which may also
//!   preempt the interrupted G;
//! - the preempt IPI preempts this core's G if sysmon asked it to;
//! - COM1's interrupt marks the netpoller pending (`netpoll`);
//! - a page fault in the G-stack region grows that G's stack, or is
//!   reported naming the G whose guard page was hit; any other page fault
//!   is reported with the region it hit;
//! - an NMI is the watchdog's report of a stuck core, or a snapshot
//!   request (every core says where it was; M0 adds the scheduler state).
//!
//! Context: interrupt handlers (interrupts off), EOI already sent for the
//! APIC vectors; page faults and NMIs run on their IST stacks.

use core::sync::atomic::Ordering;

use x86_64::structures::idt::{InterruptStackFrame, PageFaultErrorCode};

use crate::arch::console::print_for_panic;
use crate::arch::exceptions::{access, report};
use crate::arch::exit::{ExitCode, exit_qemu};
use crate::arch::idt::IRQ_COM1;
use crate::arch::trap::{Handled, Trap};
use crate::arch::{cpu, percpu};
use crate::mem::gstack::{self, Fault};
use crate::runtime::diag::chaos;
use crate::runtime::diag::schedtrace;
use crate::runtime::diag::watchdog;
use crate::runtime::objects::allg;
use crate::runtime::objects::m;
use crate::runtime::scheduler::netpoll;
use crate::runtime::scheduler::preempt;
use crate::runtime::scheduler::sysmon;

/// The entry `boot` installs in `arch::trap`.
pub fn trap(t: Trap<'_>) -> Handled {
    match t {
        Trap::Timer => sysmon::on_tick(),
        Trap::Preempt => {
            // The preempt IPI's arrival is a sync point of `chaos=N`.
            chaos::at_point();
            preempt::preempt_from_interrupt()
        }
        Trap::Device { irq: IRQ_COM1 } => netpoll::on_interrupt(),
        // No other device line is routed (the I/O APIC masks them).
        Trap::Device { .. } => return Handled::No,
        Trap::PageFault { addr, code, frame } => page_fault(addr, code, frame),
        Trap::Nmi { frame } => nmi(frame),
        Trap::Whereabouts { out } => {
            let _ = write!(out, " {}", m::this_m().whereabouts());
        }
    }
    Handled::Yes
}

/// The G whose stack lives in G-stack slot `slot` (0 if none: a dead G).
fn owner(slot: usize) -> u64 {
    allg::by_stack_slot(slot).map_or(0, |g| g.goid())
}

fn page_fault(addr: u64, code: u64, frame: &InterruptStackFrame) {
    const PF: u8 = 14;
    const NAME: &str = "#PF page fault";
    match gstack::on_page_fault(addr, code) {
        Fault::Mapped => {}
        Fault::Overflow { slot, stack } => report(
            PF,
            NAME,
            frame,
            Some(code),
            format_args!(
                ", CR2 {addr:#x}: stack overflow of G{}: hit the guard page [{:#x}, {:#x}) below its stack [{:#x}, {:#x})",
                owner(slot),
                stack.guard().as_u64(),
                stack.bottom.as_u64(),
                stack.bottom.as_u64(),
                stack.top.as_u64()
            ),
        ),
        Fault::OutOfMemory { slot, stack } => report(
            PF,
            NAME,
            frame,
            Some(code),
            format_args!(
                ", CR2 {addr:#x}: out of memory: no frame left to grow the stack [{:#x}, {:#x}) of G{}",
                stack.bottom.as_u64(),
                stack.top.as_u64(),
                owner(slot)
            ),
        ),
        Fault::NotOurs => report(
            PF,
            NAME,
            frame,
            Some(code),
            format_args!(
                ", CR2 {addr:#x} ({}): hit {}",
                access(PageFaultErrorCode::from_bits_truncate(code)),
                crate::mem::describe::region(addr, owner)
            ),
        ),
    }
}

fn nmi(frame: &InterruptStackFrame) {
    let m = m::this_m();
    let rip = frame.instruction_pointer.as_u64();
    if watchdog::REQUESTED[m.id as usize].load(Ordering::Acquire) {
        print_for_panic(format_args!(
            "WATCHDOG: M{} (apic {}) {} took no timer tick for {} ticks of its watcher (interrupts off too long?); stuck at RIP {rip:#x} in {}\n",
            m.id,
            m.apic(),
            m.whereabouts(),
            watchdog::STALLED_FOR[m.id as usize].load(Ordering::Relaxed),
            crate::mem::describe::region(rip, owner),
        ));
        exit_qemu(ExitCode::Failure);
    }
    print_for_panic(format_args!(
        "NMI on M{} (apic {}) {}: RIP {rip:#x}\n{}\n",
        m.id,
        m.apic(),
        m.whereabouts(),
        crate::arch::backtrace::Backtrace {
            first: Some(rip),
            rbp: crate::arch::backtrace::current_rbp(),
        },
    ));
    if percpu::this_cpu_id() == 0 {
        // Give the other cores a moment to print their lines first.
        for _ in 0..20_000_000 {
            core::hint::spin_loop();
        }
        let state = schedtrace::schedtrace(true);
        print_for_panic(format_args!("{state}"));
        exit_qemu(ExitCode::Failure);
    }
    cpu::halt_forever()
}
