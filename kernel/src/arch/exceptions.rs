//! CPU exception handlers: every fault is reported, never swallowed.
//!
//! A report names the vector and mnemonic, the error code, RIP, CR2 for page
//! faults, the core (M and APIC id) and where it was running (a G or g0),
//! then exits QEMU with the failure status. Exceptions are not recoverable
//! in this kernel: a fault is a bug to be found, so it stops the machine
//! while the evidence is fresh.

use core::fmt;

use x86_64::structures::idt::{InterruptDescriptorTable, InterruptStackFrame, PageFaultErrorCode};

use super::backtrace::Backtrace;
use super::{cpu, percpu};
use crate::exit::{ExitCode, exit_qemu};
use crate::mem::gstack::Fault;

fn report(
    vector: u8,
    name: &str,
    frame: &InterruptStackFrame,
    error: Option<u64>,
    extra: fmt::Arguments,
) -> ! {
    let m = percpu::this_m();
    let code = match error {
        Some(e) => ErrorCode(Some(e)),
        None => ErrorCode(None),
    };
    crate::console::print_for_panic(format_args!(
        "EXCEPTION on M{} (apic {}) {}: {} (vector {}){}, RIP {:#x}, RSP {:#x}{}\n{}\n",
        m.id,
        m.apic(),
        m.whereabouts(),
        name,
        vector,
        code,
        frame.instruction_pointer.as_u64(),
        frame.stack_pointer.as_u64(),
        extra,
        Backtrace {
            first: Some(frame.instruction_pointer.as_u64()),
            rbp: super::backtrace::current_rbp(),
        },
    ));
    exit_qemu(ExitCode::Failure)
}

struct ErrorCode(Option<u64>);

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(e) => write!(f, ", error code {e:#x}"),
            None => Ok(()),
        }
    }
}

macro_rules! simple {
    ($fn:ident, $vec:expr, $name:expr) => {
        extern "x86-interrupt" fn $fn(frame: InterruptStackFrame) {
            report($vec, $name, &frame, None, format_args!(""))
        }
    };
}

macro_rules! with_code {
    ($fn:ident, $vec:expr, $name:expr) => {
        extern "x86-interrupt" fn $fn(frame: InterruptStackFrame, code: u64) {
            report($vec, $name, &frame, Some(code), format_args!(""))
        }
    };
}

simple!(divide_error, 0, "#DE divide error");
simple!(debug, 1, "#DB debug");
simple!(breakpoint, 3, "#BP breakpoint");
simple!(overflow, 4, "#OF overflow");
simple!(bound_range, 5, "#BR bound range exceeded");
simple!(invalid_opcode, 6, "#UD invalid opcode");
simple!(device_not_available, 7, "#NM device not available");
with_code!(invalid_tss, 10, "#TS invalid TSS");
with_code!(segment_not_present, 11, "#NP segment not present");
with_code!(stack_segment, 12, "#SS stack-segment fault");
with_code!(general_protection, 13, "#GP general protection fault");
simple!(x87, 16, "#MF x87 floating-point error");
with_code!(alignment_check, 17, "#AC alignment check");
simple!(simd, 19, "#XM SIMD floating-point error");
simple!(virtualization, 20, "#VE virtualization exception");
with_code!(control_protection, 21, "#CP control-protection exception");
simple!(hv_injection, 28, "#HV hypervisor injection");
with_code!(vmm_communication, 29, "#VC VMM communication");
with_code!(security, 30, "#SX security exception");

/// #PF runs on its own IST stack: a G's stack may need a page mapped (the
/// common case, handled and retried) or may have overflowed into its guard
/// page (reported, naming the G).
pub extern "x86-interrupt" fn page_fault(frame: InterruptStackFrame, code: PageFaultErrorCode) {
    let addr = cpu::cr2();
    match crate::mem::gstack::on_page_fault(addr, code.bits()) {
        Fault::Mapped => return,
        Fault::Overflow { slot, stack } => {
            let owner = crate::runtime::allg::by_stack_slot(slot).map_or(0, |g| g.goid());
            report(
                14,
                "#PF page fault",
                &frame,
                Some(code.bits()),
                format_args!(
                    ", CR2 {addr:#x}: stack overflow of G{owner}: hit the guard page [{:#x}, {:#x}) below its stack [{:#x}, {:#x})",
                    stack.guard().as_u64(),
                    stack.bottom.as_u64(),
                    stack.bottom.as_u64(),
                    stack.top.as_u64()
                ),
            )
        }
        Fault::OutOfMemory { slot, stack } => {
            let owner = crate::runtime::allg::by_stack_slot(slot).map_or(0, |g| g.goid());
            report(
                14,
                "#PF page fault",
                &frame,
                Some(code.bits()),
                format_args!(
                    ", CR2 {addr:#x}: out of memory: no frame left to grow the stack [{:#x}, {:#x}) of G{owner}",
                    stack.bottom.as_u64(),
                    stack.top.as_u64()
                ),
            )
        }
        Fault::NotOurs => {}
    }
    let access = if code.contains(PageFaultErrorCode::INSTRUCTION_FETCH) {
        "instruction fetch"
    } else if code.contains(PageFaultErrorCode::CAUSED_BY_WRITE) {
        "write"
    } else {
        "read"
    };
    let why = if code.contains(PageFaultErrorCode::PROTECTION_VIOLATION) {
        "protection violation"
    } else {
        "page not present"
    };
    report(
        14,
        "#PF page fault",
        &frame,
        Some(code.bits()),
        format_args!(
            ", CR2 {addr:#x} ({access}, {why}): hit {}",
            crate::mem::describe::region(addr)
        ),
    )
}

/// #DF runs on its own IST stack: the interrupted stack may be the problem.
pub extern "x86-interrupt" fn double_fault(frame: InterruptStackFrame, code: u64) -> ! {
    report(
        8,
        "#DF double fault",
        &frame,
        Some(code),
        format_args!(" (on the #DF IST stack)"),
    )
}

/// NMI: an outside request for a snapshot (QEMU's monitor `nmi` reaches
/// every core). Each core reports where it was; M0 adds the scheduler's
/// state (scheddetail), then stops the run as failed.
pub extern "x86-interrupt" fn nmi(frame: InterruptStackFrame) {
    let m = percpu::this_m();
    if crate::runtime::watchdog::REQUESTED[m.id as usize]
        .load(core::sync::atomic::Ordering::Acquire)
    {
        let rip = frame.instruction_pointer.as_u64();
        crate::console::print_for_panic(format_args!(
            "WATCHDOG: M{} (apic {}) {} took no timer tick for {} ticks of its watcher (interrupts off too long?); stuck at RIP {rip:#x} in {}\n",
            m.id,
            m.apic(),
            m.whereabouts(),
            crate::runtime::watchdog::STALLED_FOR[m.id as usize]
                .load(core::sync::atomic::Ordering::Relaxed),
            crate::mem::describe::region(rip),
        ));
        exit_qemu(ExitCode::Failure);
    }
    crate::console::print_for_panic(format_args!(
        "NMI on M{} (apic {}) {}: RIP {:#x}\n",
        m.id,
        m.apic(),
        m.whereabouts(),
        frame.instruction_pointer.as_u64()
    ));
    if m.id == 0 {
        // Give the other cores a moment to print their lines first.
        for _ in 0..20_000_000 {
            core::hint::spin_loop();
        }
        let state = crate::runtime::schedtrace::schedtrace(true);
        crate::console::print_for_panic(format_args!("{state}"));
        exit_qemu(ExitCode::Failure);
    }
    cpu::halt_forever()
}

/// #MC: the machine is in doubt; report and stop.
pub extern "x86-interrupt" fn machine_check(frame: InterruptStackFrame) -> ! {
    report(18, "#MC machine check", &frame, None, format_args!(""))
}

/// Install every exception handler except the three with IST stacks (the
/// caller sets those, with their stack indices).
pub fn install(idt: &mut InterruptDescriptorTable) {
    idt.divide_error.set_handler_fn(divide_error);
    idt.debug.set_handler_fn(debug);
    idt.breakpoint.set_handler_fn(breakpoint);
    idt.overflow.set_handler_fn(overflow);
    idt.bound_range_exceeded.set_handler_fn(bound_range);
    idt.invalid_opcode.set_handler_fn(invalid_opcode);
    idt.device_not_available
        .set_handler_fn(device_not_available);
    idt.invalid_tss.set_handler_fn(invalid_tss);
    idt.segment_not_present.set_handler_fn(segment_not_present);
    idt.stack_segment_fault.set_handler_fn(stack_segment);
    idt.general_protection_fault
        .set_handler_fn(general_protection);
    idt.x87_floating_point.set_handler_fn(x87);
    idt.alignment_check.set_handler_fn(alignment_check);
    idt.simd_floating_point.set_handler_fn(simd);
    idt.virtualization.set_handler_fn(virtualization);
    idt.cp_protection_exception
        .set_handler_fn(control_protection);
    idt.hv_injection_exception.set_handler_fn(hv_injection);
    idt.vmm_communication_exception
        .set_handler_fn(vmm_communication);
    idt.security_exception.set_handler_fn(security);
}
