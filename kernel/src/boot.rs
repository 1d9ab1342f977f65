//! From the bootloader's jump to the kernel to every core online — the counterpart of
//! Go's `rt0_go` → `schedinit` → `mstart` — and on to the main G.
//!
//! Layer: `boot` is at the top with the workloads. It is the one place that
//! ties the layers together: it gives the machine layer what it needs from
//! memory (stacks, mappings), installs the runtime's trap entry into
//! `arch::trap`, and hands the runtime the workload to run on its main G.
//!
//! Order matters and each step needs the one before: GS base (so every
//! print can name its M), console, memory (frames, page tables, heap,
//! stacks), boot options (they need the heap), the bootstrap core's GDT/TSS/
//! IDT, ACPI's core list, the APIC, and finally the other cores, which each
//! repeat the per-core part on their own stacks.

use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use bootloader_api::BootInfo;
use gmp_sched::cpus;
use gmp_sched::options::Fault;
use x86_64::structures::paging::{Page, PageTableFlags as Flags, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

use crate::arch::bootgate::BootGate;
use crate::arch::exit::{ExitCode, exit_qemu};
use crate::arch::percpu::PerCpu;
use crate::arch::{acpi, apic, cpu, gdt, idt, ioapic, percpu, smp};
use crate::kprintln;
use crate::mem::{self, paging, stack};
use crate::runtime::objects::debug::{knobs, options};
use crate::runtime::objects::m::{self, M, MAX_MS};
use crate::runtime::start::{self, MainG};

/// Opened once every core that will come up is online.
static ALL_ONLINE: BootGate = BootGate::new();

/// The GDT and TSS of M1, M2, ... (index = M id - 1), built by the
/// bootstrap core before the APs start: the APs start all at once and
/// would otherwise all queue for the heap's and the page tables' locks.
static AP_TABLES: spin::Once<Vec<gdt::CpuTables>> = spin::Once::new();

/// The bootstrap core's entry from the bootloader.
pub fn kmain(boot_info: &'static mut BootInfo) -> ! {
    m::init_allm();
    let m0 = &m::allm()[0];
    m0.bind_self();
    // SAFETY: M0 is the bootstrap core's M and lives forever.
    unsafe { percpu::set_this_cpu(m0) };
    crate::arch::console::init();
    mem::init(boot_info);
    crate::runtime::objects::debug::init();
    mem::check_wx();
    crate::arch::trap::install(crate::runtime::trap::trap);

    gdt::init_this_cpu(ist_stacks());
    idt::load();
    crate::arch::pic::disable();
    // M0's g0 stack: the scheduler leaves the bootloader's stack behind.
    let g0 = stack::alloc_system_stack(smp::G0_STACK_SIZE);
    m0.g0_stack_top.store(g0.top.as_u64(), Ordering::Relaxed);

    let rsdp = boot_info
        .rsdp_addr
        .into_option()
        .unwrap_or_else(|| fail("the bootloader found no ACPI RSDP"));
    let platform = acpi::read_platform(rsdp).unwrap_or_else(|e| fail(e));
    let xapic_page = (!apic::cpu_has_x2apic()).then(|| map_mmio(apic::xapic_phys_base()));
    apic::init_bsp(xapic_page);
    apic::init_this_cpu();
    // Every device line masked until a driver routes its own (the
    // netpoller routes COM1's).
    ioapic::init(&platform.io_apics, &platform.overrides, map_mmio);
    let bsp_apic = apic::id();
    let mut model = [0; 48];
    kprintln!(
        "machine: apic={} timer={} cpu=\"{}\" madt-lapic={} madt-x2apic={}",
        apic::mode_name(),
        crate::arch::timer::cpu_mode_name(),
        cpu::model_name(&mut model),
        platform.xapic_entries,
        platform.x2apic_entries
    );
    let max_apic_id = if apic::is_x2apic() {
        cpus::MAX_X2APIC_ID
    } else {
        cpus::MAX_XAPIC_ID
    };
    let cores =
        cpus::core_list(bsp_apic, &platform.madt_cpus, MAX_MS, max_apic_id).unwrap_or_else(|e| {
            kprintln!("core list error: {e}");
            exit_qemu(ExitCode::Failure)
        });
    if cores.left_out > 0 {
        kprintln!(
            "warning: {} cores left out (at most {MAX_MS} Ms)",
            cores.left_out
        );
    }
    if cores.unreachable > 0 {
        kprintln!(
            "warning: {} cores left out: their APIC ids are above {} and this CPU has no x2APIC (QEMU: -cpu max,+x2apic, or the runner's --x2apic)",
            cores.unreachable,
            cpus::MAX_XAPIC_ID
        );
    }
    m::set_mcount(cores.apic_ids.len());
    for (m, &apic_id) in m::allm().iter().zip(&cores.apic_ids) {
        m.apic_id.store(apic_id, Ordering::Relaxed);
        m.bind_self();
    }
    m0.online.store(true, Ordering::Release);
    kprintln!("M0 online (apic {bsp_apic})");

    AP_TABLES.call_once(|| {
        (1..m::mcount())
            .map(|_| gdt::prepare(ist_stacks()))
            .collect()
    });
    let cpus: Vec<&'static PerCpu> = m::all().iter().map(|m| &m.cpu).collect();
    let missing = smp::start_aps(&boot_info.memory_regions, &cpus, &mut ApStacks, ap_entry)
        .unwrap_or_else(|e| fail(e));
    if !missing.is_empty() {
        for cpu in &missing {
            kprintln!("M{} (apic {}) never came online", cpu.id, cpu.apic());
        }
        exit_qemu(ExitCode::Failure);
    }
    // Each AP checked its APIC id against its M's before marking itself
    // online; the lines are printed here, in M order, so that a thousand
    // cores do not queue for the console.
    for m in &m::all()[1..] {
        kprintln!("M{} online (apic {})", m.id, m.apic());
    }
    ALL_ONLINE.open(m::all()[1..].iter().map(|m| m.apic()));
    kprintln!("all {} Ms online", m::mcount());
    main_m0()
}

/// The bootstrap core after every core is online: start the runtime with
/// the selected workload (or the provoked fault) on its main G.
fn main_m0() -> ! {
    let opts = options();
    let fault = knobs().fault;
    if fault == Fault::PanicAp {
        if m::mcount() < 2 {
            kprintln!(
                "boot option error: fault=panic-ap needs at least 2 cores (use --smp 2 or more)"
            );
            exit_qemu(ExitCode::Failure);
        }
        // The last AP panics; its report ends the run.
        cpu::halt_forever();
    }
    let main = if fault == Fault::None || fault.is_negative_control() {
        MainG {
            name: opts.workload,
            run: crate::workloads::entry(opts.workload)
                .expect("the boot-option parser accepts only registered workloads"),
        }
    } else {
        MainG {
            name: opts.workload,
            run: provoke_fault,
        }
    };
    start::start_m0(main)
}

/// The main G of a `fault=` run: provoke the fault on a G of its own.
fn provoke_fault() -> crate::runtime::api::Verdict {
    crate::workloads::faults::run(knobs().fault)
}

/// An application processor after every core is online.
fn main_ap(m: &'static M) -> ! {
    if knobs().fault == Fault::PanicAp && m.id as usize == m::mcount() - 1 {
        panic!("deliberate panic (fault=panic-ap)");
    }
    start::start_ap()
}

/// Where each application processor lands from the trampoline, on its own
/// g0 stack with interrupts off.
extern "C" fn ap_entry(cpu: &'static PerCpu) -> ! {
    // SAFETY: the bootstrap core handed this record to this core alone.
    unsafe { percpu::set_this_cpu(cpu) };
    let m = M::from_cpu(cpu);
    let tables = AP_TABLES
        .get()
        .expect("the bootstrap core builds the tables before starting APs");
    gdt::load(&tables[m.id as usize - 1]);
    idt::load();
    apic::init_this_cpu();
    let apic_id = apic::id();
    if apic_id != m.apic() {
        panic!(
            "M{} expected APIC id {} but runs on APIC id {apic_id}",
            m.id,
            m.apic()
        );
    }
    m.online.store(true, Ordering::Release);
    ALL_ONLINE.wait();
    main_ap(m)
}

/// Guarded stacks for this core's IST slots.
fn ist_stacks() -> [u64; gdt::IST_STACKS] {
    core::array::from_fn(|_| stack::alloc_system_stack(gdt::IST_STACK_SIZE).top.as_u64())
}

/// Map a device's register page (uncached) at the next page of a PML4
/// slot kept for device registers (the local APIC's, the I/O APICs').
fn map_mmio(phys: u64) -> VirtAddr {
    static SLOT: spin::Once<VirtAddr> = spin::Once::new();
    static NEXT_PAGE: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
    let base = *SLOT.call_once(paging::reserve_pml4_slot);
    let va = base + NEXT_PAGE.fetch_add(1, Ordering::Relaxed) * 4096;
    let frame = PhysFrame::containing_address(PhysAddr::new(phys));
    let flags = Flags::PRESENT
        | Flags::WRITABLE
        | Flags::NO_CACHE
        | Flags::WRITE_THROUGH
        | Flags::NO_EXECUTE;
    paging::map_to(Page::containing_address(va), frame, flags)
        .unwrap_or_else(|_| fail("cannot map a device's registers"));
    va + (phys & 0xfff)
}

/// What `smp` needs from memory to start the APs.
struct ApStacks;

impl smp::ApMemory for ApStacks {
    fn g0_stack(&mut self) -> u64 {
        stack::alloc_system_stack(smp::G0_STACK_SIZE).top.as_u64()
    }

    fn map_identity(&mut self, phys: u64) -> Result<(), &'static str> {
        let frame = PhysFrame::containing_address(PhysAddr::new(phys));
        let page = Page::containing_address(VirtAddr::new(phys));
        paging::map_to(page, frame, Flags::PRESENT | Flags::WRITABLE)
            .map_err(|_| "cannot identity-map the AP trampoline page")
    }

    fn unmap_identity(&mut self, phys: u64) {
        paging::unmap(Page::containing_address(VirtAddr::new(phys)));
    }
}

fn fail(why: &str) -> ! {
    kprintln!("boot failed: {why}");
    exit_qemu(ExitCode::Failure)
}
