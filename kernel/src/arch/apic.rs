//! The local APIC, in either of its two register interfaces.
//!
//! xAPIC mode reaches the registers through a 4 KiB MMIO page (QEMU's TCG
//! offers only this); x2APIC mode reaches them through MSRs 0x800+ and is
//! used whenever CPUID advertises it (KVM does). The bootstrap core picks the
//! mode once; every core then enables its own APIC in that mode. Register
//! offsets are the xAPIC ones; x2APIC MSR = 0x800 + offset / 16.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use x86_64::VirtAddr;

use super::cpu;
use super::idt::VECTOR_SPURIOUS;

const IA32_APIC_BASE: u32 = 0x1b;
const APIC_BASE_ENABLE: u64 = 1 << 11;
const APIC_BASE_X2APIC: u64 = 1 << 10;

const REG_ID: u32 = 0x20;
const REG_TPR: u32 = 0x80;
const REG_EOI: u32 = 0xb0;
const REG_SVR: u32 = 0xf0;
const REG_ICR_LOW: u32 = 0x300;
const REG_ICR_HIGH: u32 = 0x310;
/// LVT timer register.
pub const REG_LVT_TIMER: u32 = 0x320;
/// Timer initial count.
pub const REG_TIMER_INITIAL: u32 = 0x380;
/// Timer current count.
pub const REG_TIMER_CURRENT: u32 = 0x390;
/// Timer divide configuration.
pub const REG_TIMER_DIVIDE: u32 = 0x3e0;

const ICR_DELIVERY_PENDING: u32 = 1 << 12;
const ICR_FIXED: u32 = 0b000 << 8;
const ICR_NMI: u32 = 0b100 << 8;
const ICR_INIT: u32 = 0b101 << 8;
const ICR_STARTUP: u32 = 0b110 << 8;
const ICR_ASSERT: u32 = 1 << 14;

static X2APIC: AtomicBool = AtomicBool::new(false);
static XAPIC_VIRT: AtomicU64 = AtomicU64::new(0);

/// Whether the APICs run in x2APIC mode.
pub fn is_x2apic() -> bool {
    X2APIC.load(Ordering::Relaxed)
}

/// The mode's name for the boot banner: `x2apic` or `xapic`.
pub fn mode_name() -> &'static str {
    if is_x2apic() { "x2apic" } else { "xapic" }
}

/// Whether this CPU offers x2APIC mode (CPUID.1:ECX bit 21).
pub fn cpu_has_x2apic() -> bool {
    raw_cpuid::CpuId::new()
        .get_feature_info()
        .is_some_and(|f| f.has_x2apic())
}

/// The physical address of the xAPIC register page (IA32_APIC_BASE).
pub fn xapic_phys_base() -> u64 {
    // SAFETY: IA32_APIC_BASE exists on every x86_64 CPU.
    unsafe { cpu::rdmsr(IA32_APIC_BASE) & 0x000f_ffff_ffff_f000 }
}

/// Choose the mode: x2APIC when the CPU has it, else xAPIC through its
/// register page, which the caller has mapped (uncached) at `xapic_page`
/// (`None` when the CPU has x2APIC). Bootstrap core only, before
/// [`init_this_cpu`] on any core.
pub fn init_bsp(xapic_page: Option<VirtAddr>) {
    let x2 = cpu_has_x2apic();
    X2APIC.store(x2, Ordering::Relaxed);
    if !x2 {
        let page = xapic_page.expect("xAPIC mode needs its register page mapped");
        XAPIC_VIRT.store(page.as_u64(), Ordering::Relaxed);
    }
}

/// Enable this core's APIC in the chosen mode, accepting all priorities.
pub fn init_this_cpu() {
    // SAFETY: IA32_APIC_BASE exists; setting the enable (and x2APIC) bits
    // keeps the base address and is the documented way to switch modes.
    unsafe {
        let base = cpu::rdmsr(IA32_APIC_BASE);
        let mut new = base | APIC_BASE_ENABLE;
        if is_x2apic() {
            new |= APIC_BASE_X2APIC;
        }
        if new != base {
            cpu::wrmsr(IA32_APIC_BASE, new);
        }
    }
    write(REG_TPR, 0);
    write(REG_SVR, 0x100 | VECTOR_SPURIOUS as u32);
}

/// Read an APIC register by its xAPIC offset.
pub fn read(reg: u32) -> u32 {
    if is_x2apic() {
        // SAFETY: x2APIC MSRs exist once x2APIC mode is enabled.
        unsafe { cpu::rdmsr(0x800 + (reg >> 4)) as u32 }
    } else {
        let va = XAPIC_VIRT.load(Ordering::Relaxed) + reg as u64;
        // SAFETY: the register page is mapped uncached at XAPIC_VIRT.
        unsafe { core::ptr::read_volatile(va as *const u32) }
    }
}

/// Write an APIC register by its xAPIC offset.
pub fn write(reg: u32, value: u32) {
    if is_x2apic() {
        // SAFETY: as in `read`.
        unsafe { cpu::wrmsr(0x800 + (reg >> 4), value as u64) }
    } else {
        let va = XAPIC_VIRT.load(Ordering::Relaxed) + reg as u64;
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile(va as *mut u32, value) }
    }
}

/// This core's APIC id.
pub fn id() -> u32 {
    if is_x2apic() {
        read(REG_ID)
    } else {
        read(REG_ID) >> 24
    }
}

/// In-service register, eight 32-bit words 0x10 apart.
const REG_ISR: u32 = 0x100;

/// Whether `vector` is in service at this core's APIC (an interrupt the
/// APIC delivered and that awaits its EOI).
pub fn in_service(vector: u8) -> bool {
    let word = read(REG_ISR + 0x10 * (vector as u32 / 32));
    word & (1 << (vector % 32)) != 0
}

/// Signal end of interrupt.
#[inline]
pub fn eoi() {
    write(REG_EOI, 0);
}

fn send_icr(apic_id: u32, low: u32) {
    if is_x2apic() {
        // In x2APIC mode the ICR is an MSR, and `wrmsr` to the x2APIC MSRs
        // is *not* serializing (Intel SDM vol. 3A, "MSR Access in x2APIC
        // Mode": a WRMSR to an APIC register may complete before all
        // preceding stores are globally visible; software inserts a
        // serializing instruction or MFENCE;LFENCE before it). Without a
        // fence, the stores that motivate the IPI — a G put on a run queue,
        // a P handed over in `nextp`, the `park` note, a preempt request —
        // may still sit in this core's store buffer when the target takes
        // the interrupt, and it would find nothing to do. Linux's
        // `weak_wrmsr_fence` issues `mfence; lfence` before such writes;
        // so do we. (TCG cannot show the reordering; real hardware can.)
        cpu::wrmsr_fence();
        // SAFETY: the x2APIC ICR MSR takes destination and command at once.
        unsafe { cpu::wrmsr(0x830, ((apic_id as u64) << 32) | low as u64) }
    } else {
        let were = cpu::interrupts_disable_save();
        write(REG_ICR_HIGH, apic_id << 24);
        write(REG_ICR_LOW, low);
        while read(REG_ICR_LOW) & ICR_DELIVERY_PENDING != 0 {
            cpu::relax();
        }
        cpu::interrupts_restore(were);
    }
}

/// Send a fixed-delivery IPI with `vector` to the core with `apic_id`.
pub fn send_ipi(apic_id: u32, vector: u8) {
    if vector == super::idt::VECTOR_WAKE && super::lockstep::active() {
        // In lockstep a wake is a place in the race, not an interrupt.
        super::lockstep::wake(apic_id);
        return;
    }
    send_icr(apic_id, ICR_FIXED | ICR_ASSERT | vector as u32);
}

/// Send an NMI to the core with `apic_id`.
pub fn send_nmi(apic_id: u32) {
    send_icr(apic_id, ICR_NMI | ICR_ASSERT);
}

/// Send INIT (put the core into wait-for-SIPI).
pub fn send_init(apic_id: u32) {
    send_icr(apic_id, ICR_INIT | ICR_ASSERT);
}

/// Send a start-up IPI: the core starts in real mode at `page << 12`.
pub fn send_startup(apic_id: u32, page: u8) {
    send_icr(apic_id, ICR_STARTUP | ICR_ASSERT | page as u32);
}
