//! Per-core GDT and TSS, with IST stacks for the faults that must not run on
//! the interrupted stack.
//!
//! A double fault usually means the current stack is unusable (a G ran into
//! its guard page), an NMI can arrive at any instruction, and a machine check
//! says the machine itself is in doubt: each of the three gets its own
//! Interrupt Stack Table entry, and each of those stacks has a guard page of
//! its own. Every core has its own TSS (the IST pointers are per core) and
//! therefore its own GDT.

use alloc::boxed::Box;

use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;

/// IST slot (0-based, as `set_stack_index` takes it) for #DF.
pub const IST_DOUBLE_FAULT: u16 = 0;
/// IST slot for NMI.
pub const IST_NMI: u16 = 1;
/// IST slot for #MC.
pub const IST_MACHINE_CHECK: u16 = 2;
/// IST slot for #PF: a G's stack fault (a page to map on demand, or an
/// overflow into the guard page) cannot be handled on that same stack.
pub const IST_PAGE_FAULT: u16 = 3;

/// Size of each IST stack.
pub const IST_STACK_SIZE: u64 = 16 * 1024;
/// The IST stacks a core needs, one per slot above.
pub const IST_STACKS: usize = 4;

/// A core's GDT and TSS, built ([`prepare`]) but not yet loaded ([`load`]).
pub struct CpuTables {
    gdt: &'static GlobalDescriptorTable,
    code: SegmentSelector,
    data: SegmentSelector,
    tss: SegmentSelector,
}

/// Build a core's GDT and TSS, with `ist_tops[i]` the top of the stack for
/// IST slot `i` (the caller allocates them, guarded). Needs the heap; may
/// run on any core (the bootstrap core builds them for every AP, so the
/// APs, which all start at once, do not queue for the heap's lock).
pub fn prepare(ist_tops: [u64; IST_STACKS]) -> CpuTables {
    let mut tss = TaskStateSegment::new();
    for ist in [IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK, IST_PAGE_FAULT] {
        tss.interrupt_stack_table[ist as usize] = VirtAddr::new(ist_tops[ist as usize]);
    }
    let tss: &'static TaskStateSegment = Box::leak(Box::new(tss));
    let mut gdt = GlobalDescriptorTable::new();
    let code = gdt.append(Descriptor::kernel_code_segment());
    let data = gdt.append(Descriptor::kernel_data_segment());
    let tss = gdt.append(Descriptor::tss_segment(tss));
    CpuTables {
        gdt: Box::leak(Box::new(gdt)),
        code,
        data,
        tss,
    }
}

/// Load `tables` on this core. Each core must load its own: loading marks
/// the TSS busy.
pub fn load(tables: &CpuTables) {
    tables.gdt.load();
    // SAFETY: the selectors index the GDT just loaded; GS/FS are left alone
    // (reloading GS would clear the GS base that holds this core's M).
    unsafe {
        CS::set_reg(tables.code);
        SS::set_reg(tables.data);
        DS::set_reg(SegmentSelector(0));
        ES::set_reg(SegmentSelector(0));
        load_tss(tables.tss);
    }
}

/// Build and load this core's GDT and TSS ([`prepare`], then [`load`]).
pub fn init_this_cpu(ist_tops: [u64; IST_STACKS]) {
    load(&prepare(ist_tops));
}
