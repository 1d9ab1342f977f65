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
use super::exit::{ExitCode, exit_qemu};
use super::trap::{self, Handled, Trap, Whereabouts};
use super::{cpu, gdt, percpu};

/// Report an exception (or a fault the runtime explains) on this core and
/// stop the run: vector, mnemonic, error code, RIP, RSP, `extra`, the core,
/// where it was running (asked of the runtime) and a backtrace.
pub fn report(
    vector: u8,
    name: &str,
    frame: &InterruptStackFrame,
    error: Option<u64>,
    extra: fmt::Arguments,
) -> ! {
    let cpu = percpu::this_cpu();
    let code = match error {
        Some(e) => ErrorCode(Some(e)),
        None => ErrorCode(None),
    };
    crate::arch::console::print_for_panic(format_args!(
        "EXCEPTION on M{} (apic {}){}: {} (vector {}){}, RIP {:#x}, RSP {:#x}{}\n{}\n",
        cpu.id,
        cpu.apic(),
        Whereabouts,
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

/// Declares each reported row's handler with `simple!` or `with_code!`,
/// and `install`, which puts every handler of the table on its IDT entry,
/// those of the second part on their IST stacks.
macro_rules! exception_table {
    (
        reported: { $($entry:ident => $kind:ident!($fn:ident, $vec:expr, $name:expr),)* }
        on_ist_stacks: { $($ist_entry:ident => $ist_fn:ident on $ist:path,)* }
    ) => {
        $($kind!($fn, $vec, $name);)*

        /// Install every exception handler.
        pub fn install(idt: &mut InterruptDescriptorTable) {
            $(idt.$entry.set_handler_fn($fn);)*
            // SAFETY: the IST indices name stacks every core's TSS provides.
            unsafe {
                $(idt.$ist_entry.set_handler_fn($ist_fn).set_stack_index($ist);)*
            }
        }
    };
}

// One row per exception: the IDT entry, then the handler. `install` is
// generated from the same rows, so a handler cannot be declared and left
// out of the IDT. The exceptions that can strike on a bad stack (the
// interrupted one overflowed, or is in doubt) run on an IST stack of their
// own; their handlers are below.
exception_table! {
    reported: {
        divide_error => simple!(divide_error, 0, "#DE divide error"),
        debug => simple!(debug, 1, "#DB debug"),
        breakpoint => simple!(breakpoint, 3, "#BP breakpoint"),
        overflow => simple!(overflow, 4, "#OF overflow"),
        bound_range_exceeded => simple!(bound_range, 5, "#BR bound range exceeded"),
        invalid_opcode => simple!(invalid_opcode, 6, "#UD invalid opcode"),
        device_not_available => simple!(device_not_available, 7, "#NM device not available"),
        invalid_tss => with_code!(invalid_tss, 10, "#TS invalid TSS"),
        segment_not_present => with_code!(segment_not_present, 11, "#NP segment not present"),
        stack_segment_fault => with_code!(stack_segment, 12, "#SS stack-segment fault"),
        general_protection_fault => with_code!(general_protection, 13, "#GP general protection fault"),
        x87_floating_point => simple!(x87, 16, "#MF x87 floating-point error"),
        alignment_check => with_code!(alignment_check, 17, "#AC alignment check"),
        simd_floating_point => simple!(simd, 19, "#XM SIMD floating-point error"),
        virtualization => simple!(virtualization, 20, "#VE virtualization exception"),
        cp_protection_exception => with_code!(control_protection, 21, "#CP control-protection exception"),
        hv_injection_exception => simple!(hv_injection, 28, "#HV hypervisor injection"),
        vmm_communication_exception => with_code!(vmm_communication, 29, "#VC VMM communication"),
        security_exception => with_code!(security, 30, "#SX security exception"),
    }
    on_ist_stacks: {
        double_fault => double_fault on gdt::IST_DOUBLE_FAULT,
        non_maskable_interrupt => nmi on gdt::IST_NMI,
        machine_check => machine_check on gdt::IST_MACHINE_CHECK,
        page_fault => page_fault on gdt::IST_PAGE_FAULT,
    }
}

/// #PF runs on its own IST stack: a G's stack may need a page mapped (the
/// common case, which the runtime handles and the G retries) or may have
/// overflowed into its guard page; the runtime explains every page fault it
/// recognises. Without the runtime (early boot) the fault is reported here.
pub extern "x86-interrupt" fn page_fault(frame: InterruptStackFrame, code: PageFaultErrorCode) {
    let addr = cpu::cr2();
    let t = Trap::PageFault {
        addr,
        code: code.bits(),
        frame: &frame,
    };
    if trap::dispatch(t) == Handled::Yes {
        return;
    }
    report(
        14,
        "#PF page fault",
        &frame,
        Some(code.bits()),
        format_args!(", CR2 {addr:#x} ({})", access(code)),
    )
}

/// What a page-fault error code says, in words: `write, page not present`.
pub fn access(code: PageFaultErrorCode) -> &'static str {
    let write = code.contains(PageFaultErrorCode::CAUSED_BY_WRITE);
    let fetch = code.contains(PageFaultErrorCode::INSTRUCTION_FETCH);
    let prot = code.contains(PageFaultErrorCode::PROTECTION_VIOLATION);
    match (fetch, write, prot) {
        (true, _, true) => "instruction fetch, protection violation",
        (true, _, false) => "instruction fetch, page not present",
        (false, true, true) => "write, protection violation",
        (false, true, false) => "write, page not present",
        (false, false, true) => "read, protection violation",
        (false, false, false) => "read, page not present",
    }
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

/// NMI: the watchdog's (a stuck core) or an outside request for a
/// snapshot (QEMU's monitor `nmi` reaches every core); the runtime says
/// which and reports. Without the runtime, the core says where it was and
/// stops.
pub extern "x86-interrupt" fn nmi(frame: InterruptStackFrame) {
    if trap::dispatch(Trap::Nmi { frame: &frame }) == Handled::Yes {
        return;
    }
    let cpu = percpu::this_cpu();
    crate::arch::console::print_for_panic(format_args!(
        "NMI on M{} (apic {}){}: RIP {:#x}\n",
        cpu.id,
        cpu.apic(),
        Whereabouts,
        frame.instruction_pointer.as_u64()
    ));
    cpu::halt_forever()
}

/// #MC: the machine is in doubt; report and stop.
pub extern "x86-interrupt" fn machine_check(frame: InterruptStackFrame) -> ! {
    report(18, "#MC machine check", &frame, None, format_args!(""))
}
