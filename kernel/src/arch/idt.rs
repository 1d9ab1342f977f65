//! The interrupt descriptor table, shared by all cores.
//!
//! Vectors 0–31 are CPU exceptions (see `exceptions`); above them the
//! kernel's own vectors, named here so that every user agrees on them.
//! Every vector that concerns the scheduler hands over to the runtime
//! through `trap::dispatch`, the one entry point up (see `trap`).

use x86_64::structures::idt::{InterruptDescriptorTable, InterruptStackFrame};

use super::trap::{self, Trap};
use super::{apic, exceptions, gdt, pic};

/// The per-core APIC timer (sysmon's tick).
pub const VECTOR_TIMER: u8 = 0x20;
/// IPI that wakes a halted M (`startm`/`wakep`); the handler only EOIs —
/// waking from `hlt` is the whole point.
pub const VECTOR_WAKE: u8 = 0xf0;
/// IPI from sysmon: the G running on the target core should yield.
pub const VECTOR_PREEMPT: u8 = 0xf1;
/// The APIC's spurious-interrupt vector (no EOI for it).
pub const VECTOR_SPURIOUS: u8 = 0xff;

static IDT: spin::LazyLock<InterruptDescriptorTable> = spin::LazyLock::new(build);

fn build() -> InterruptDescriptorTable {
    let mut idt = InterruptDescriptorTable::new();
    exceptions::install(&mut idt);
    // SAFETY: the IST indices name stacks every core's TSS provides.
    unsafe {
        idt.double_fault
            .set_handler_fn(exceptions::double_fault)
            .set_stack_index(gdt::IST_DOUBLE_FAULT);
        idt.non_maskable_interrupt
            .set_handler_fn(exceptions::nmi)
            .set_stack_index(gdt::IST_NMI);
        idt.machine_check
            .set_handler_fn(exceptions::machine_check)
            .set_stack_index(gdt::IST_MACHINE_CHECK);
        idt.page_fault
            .set_handler_fn(exceptions::page_fault)
            .set_stack_index(gdt::IST_PAGE_FAULT);
    }
    idt[VECTOR_WAKE].set_handler_fn(wake_ipi);
    idt[VECTOR_TIMER].set_handler_fn(timer_tick);
    idt[VECTOR_PREEMPT].set_handler_fn(preempt_ipi);
    idt[VECTOR_SPURIOUS].set_handler_fn(spurious);
    for v in pic::PIC_BASE..pic::PIC_BASE + 16 {
        idt[v].set_handler_fn(spurious);
    }
    idt
}

/// For `fault=double-fault`: load, on this core, a copy of the IDT without a
/// #GP handler, then cause a #GP. Delivering it hits the missing gate (#NP),
/// a second contributory fault while delivering the first: a double fault,
/// which runs on its IST stack and is reported.
pub fn provoke_double_fault() -> ! {
    let mut idt = build();
    idt.general_protection_fault = x86_64::structures::idt::Entry::missing();
    let idt: &'static InterruptDescriptorTable =
        alloc::boxed::Box::leak(alloc::boxed::Box::new(idt));
    idt.load();
    // SAFETY: none — a non-canonical address must raise #GP.
    unsafe { core::ptr::read_volatile(0x8000_0000_0000u64 as *const u64) };
    unreachable!("a non-canonical read did not fault")
}

/// Load the IDT on this core (after its TSS is loaded).
pub fn load() {
    IDT.load();
}

extern "x86-interrupt" fn wake_ipi(_frame: InterruptStackFrame) {
    apic::eoi();
}

extern "x86-interrupt" fn spurious(_frame: InterruptStackFrame) {}

/// The APIC timer: sysmon's tick. May switch the interrupted G out (async
/// preemption); it then returns here only when the G is resumed.
extern "x86-interrupt" fn timer_tick(_frame: InterruptStackFrame) {
    apic::eoi();
    trap::dispatch(Trap::Timer);
}

/// Sysmon asks this core's G to yield.
extern "x86-interrupt" fn preempt_ipi(_frame: InterruptStackFrame) {
    apic::eoi();
    trap::dispatch(Trap::Preempt);
}
