//! The interrupt descriptor table, shared by all cores.
//!
//! Vectors 0–31 are CPU exceptions (see `exceptions`); above them the
//! kernel's own vectors, named here so that every user agrees on them.
//! Every vector that concerns the scheduler hands over to the runtime
//! through `trap::dispatch`, the one entry point up (see `trap`).

use core::sync::atomic::{AtomicU64, Ordering};

use x86_64::structures::idt::{InterruptDescriptorTable, InterruptStackFrame};

use super::trap::{self, Trap};
use super::{apic, exceptions, pic};

/// The per-core APIC timer (sysmon's tick).
pub const VECTOR_TIMER: u8 = 0x20;
/// COM1's receive interrupt (ISA IRQ 4) from the I/O APIC.
pub const VECTOR_COM1: u8 = 0x34;
/// The ISA IRQ of COM1.
pub const IRQ_COM1: u8 = 4;
/// IPI that wakes a halted M (`startm`/`wakep`); the handler only EOIs —
/// waking from `hlt` is the whole point.
pub const VECTOR_WAKE: u8 = 0xd0;
/// IPI from sysmon: the G running on the target core should yield.
pub const VECTOR_PREEMPT: u8 = 0xd1;
/// IPI that passes lockstep's token (`lockstep`). Alone in the highest
/// priority class, so a core waiting for the token with CR8 raised takes
/// nothing else.
pub const VECTOR_TOKEN: u8 = 0xf0;
/// The APIC's spurious-interrupt vector (no EOI for it).
pub const VECTOR_SPURIOUS: u8 = 0xff;

/// Interrupts taken on a vector nobody asked for, by vector (counted, never
/// fatal: a stray device line or a misrouted IPI must not stop the run).
static UNEXPECTED: [AtomicU64; 256] = [const { AtomicU64::new(0) }; 256];
/// Spurious interrupts: the APIC's spurious vector and the masked PICs'
/// IRQ 7/15.
static SPURIOUS: AtomicU64 = AtomicU64::new(0);

/// Spurious interrupts taken so far (all cores).
pub fn spurious_count() -> u64 {
    SPURIOUS.load(Ordering::Relaxed)
}

/// `(vector, count)` of every unexpected vector taken so far.
pub fn unexpected_counts() -> impl Iterator<Item = (u8, u64)> {
    UNEXPECTED
        .iter()
        .enumerate()
        .map(|(v, c)| (v as u8, c.load(Ordering::Relaxed)))
        .filter(|&(_, c)| c > 0)
}

static IDT: spin::LazyLock<InterruptDescriptorTable> = spin::LazyLock::new(build);

fn build() -> InterruptDescriptorTable {
    let mut idt = InterruptDescriptorTable::new();
    // CPU exceptions, some on IST stacks (see `exceptions`).
    exceptions::install(&mut idt);
    // Every vector above the exceptions first counts as unexpected; the
    // kernel's own vectors then replace theirs.
    for (v, h) in UNEXPECTED_HANDLERS.iter().enumerate() {
        idt[v as u8 + 0x20].set_handler_fn(*h);
    }
    idt[VECTOR_WAKE].set_handler_fn(wake_ipi);
    idt[VECTOR_COM1].set_handler_fn(com1);
    idt[VECTOR_TIMER].set_handler_fn(timer_tick);
    idt[VECTOR_PREEMPT].set_handler_fn(preempt_ipi);
    idt[VECTOR_TOKEN].set_handler_fn(wake_ipi);
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

extern "x86-interrupt" fn spurious(_frame: InterruptStackFrame) {
    SPURIOUS.fetch_add(1, Ordering::Relaxed);
}

/// A vector with no purpose: count it, and end it at the local APIC if it
/// came through it (its bit is in service), so that it blocks nothing.
extern "x86-interrupt" fn unexpected<const V: u8>(_frame: InterruptStackFrame) {
    UNEXPECTED[V as usize].fetch_add(1, Ordering::Relaxed);
    if apic::in_service(V) {
        apic::eoi();
    }
}

type Handler = extern "x86-interrupt" fn(InterruptStackFrame);

/// `unexpected::<V>` for one row of 16 vectors starting at `$base`.
macro_rules! row {
    ($base:literal) => {
        [
            unexpected::<{ $base }>,
            unexpected::<{ $base + 1 }>,
            unexpected::<{ $base + 2 }>,
            unexpected::<{ $base + 3 }>,
            unexpected::<{ $base + 4 }>,
            unexpected::<{ $base + 5 }>,
            unexpected::<{ $base + 6 }>,
            unexpected::<{ $base + 7 }>,
            unexpected::<{ $base + 8 }>,
            unexpected::<{ $base + 9 }>,
            unexpected::<{ $base + 10 }>,
            unexpected::<{ $base + 11 }>,
            unexpected::<{ $base + 12 }>,
            unexpected::<{ $base + 13 }>,
            unexpected::<{ $base + 14 }>,
            unexpected::<{ $base + 15 }>,
        ]
    };
}

/// One counting handler per vector 0x20..=0xff (each knows its vector).
static UNEXPECTED_HANDLERS: [Handler; 224] = {
    let rows: [[Handler; 16]; 14] = [
        row!(0x20),
        row!(0x30),
        row!(0x40),
        row!(0x50),
        row!(0x60),
        row!(0x70),
        row!(0x80),
        row!(0x90),
        row!(0xa0),
        row!(0xb0),
        row!(0xc0),
        row!(0xd0),
        row!(0xe0),
        row!(0xf0),
    ];
    let mut all: [Handler; 224] = [unexpected::<0>; 224];
    let mut i = 0;
    while i < 224 {
        all[i] = rows[i / 16][i % 16];
        i += 1;
    }
    all
};

/// COM1 has input (or a line-status change): the runtime's netpoller takes
/// it from the device and marks the waiting G ready.
extern "x86-interrupt" fn com1(_frame: InterruptStackFrame) {
    apic::eoi();
    trap::dispatch(Trap::Device { irq: IRQ_COM1 });
}

/// The APIC timer: sysmon's tick. May switch the interrupted G out (async
/// preemption); it then returns here only when the G is resumed.
extern "x86-interrupt" fn timer_tick(_frame: InterruptStackFrame) {
    apic::eoi();
    // In lockstep the timer ends a quantum as well as a tick (or instead).
    if super::lockstep::active() && !super::lockstep::on_timer() {
        return;
    }
    trap::dispatch(Trap::Timer);
}

/// Sysmon asks this core's G to yield.
extern "x86-interrupt" fn preempt_ipi(_frame: InterruptStackFrame) {
    apic::eoi();
    trap::dispatch(Trap::Preempt);
}
