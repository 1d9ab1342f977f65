//! ACPI: the MADT's list of cores, its I/O APICs and its interrupt source
//! overrides.
//!
//! The `acpi` crate parses the tables; all it needs from us is a way to read
//! physical memory, which the bootloader's physical-memory mapping already
//! gives, so "mapping" a region is address arithmetic and unmapping is free.

use alloc::vec::Vec;
use core::ptr::NonNull;

use acpi::platform::interrupt::{InterruptModel, Polarity, TriggerMode};
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping, platform::ProcessorState};
use gmp_sched::cpus::MadtCpu;
use x86_64::PhysAddr;

use super::ioapic::{IoApicInfo, LineMode, Override};
use super::physmap::phys_to_virt;

#[derive(Clone, Copy)]
struct PhysMap;

impl AcpiHandler for PhysMap {
    unsafe fn map_physical_region<T>(
        &self,
        physical_address: usize,
        size: usize,
    ) -> PhysicalMapping<Self, T> {
        let va = phys_to_virt(PhysAddr::new(physical_address as u64));
        let ptr = NonNull::new(va.as_mut_ptr::<T>()).expect("physical map offset is non-zero");
        // SAFETY: all physical memory is mapped at the offset for the
        // kernel's lifetime, so the region stays valid while the mapping lives.
        unsafe { PhysicalMapping::new(physical_address, ptr, size, size, *self) }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// What the kernel takes from ACPI.
pub struct Platform {
    /// Every local APIC entry of the MADT, in table order.
    pub madt_cpus: Vec<MadtCpu>,
    /// The I/O APICs (none if the MADT describes no APIC model).
    pub io_apics: Vec<IoApicInfo>,
    /// ISA IRQs that arrive on another GSI, or with another polarity or
    /// trigger mode than ISA's edge, active high.
    pub overrides: Vec<Override>,
}

/// Read the MADT through the RSDP the bootloader found.
pub fn read_platform(rsdp: u64) -> Result<Platform, &'static str> {
    // SAFETY: `rsdp` is the RSDP address the bootloader reported.
    let tables = unsafe { AcpiTables::from_rsdp(PhysMap, rsdp as usize) }
        .map_err(|_| "the ACPI tables are unreadable")?;
    let info = tables
        .platform_info()
        .map_err(|_| "the ACPI MADT is missing or malformed")?;
    let procs = info.processor_info.ok_or("the MADT lists no processors")?;
    let mut madt_cpus = Vec::new();
    for p in core::iter::once(&procs.boot_processor).chain(procs.application_processors.iter()) {
        madt_cpus.push(MadtCpu {
            apic_id: p.local_apic_id,
            enabled: p.state != ProcessorState::Disabled,
        });
    }
    let (mut io_apics, mut overrides) = (Vec::new(), Vec::new());
    if let InterruptModel::Apic(apic) = &info.interrupt_model {
        for a in apic.io_apics.iter() {
            io_apics.push(IoApicInfo {
                id: a.id,
                phys: a.address as u64,
                gsi_base: a.global_system_interrupt_base,
            });
        }
        for o in apic.interrupt_source_overrides.iter() {
            overrides.push(Override {
                isa_irq: o.isa_source,
                gsi: o.global_system_interrupt,
                // "Same as bus" is ISA's: edge, active high.
                mode: LineMode {
                    level: o.trigger_mode == TriggerMode::Level,
                    active_low: o.polarity == Polarity::ActiveLow,
                },
            });
        }
    }
    Ok(Platform {
        madt_cpus,
        io_apics,
        overrides,
    })
}
