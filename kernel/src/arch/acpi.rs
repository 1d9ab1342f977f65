//! ACPI: the MADT's list of cores, its I/O APICs and its interrupt source
//! overrides.
//!
//! The `acpi` crate parses the tables; all it needs from us is a way to read
//! physical memory, which the bootloader's physical-memory mapping already
//! gives, so "mapping" a region is address arithmetic and unmapping is free.
//!
//! A core appears in the MADT as a local APIC entry (type 0, an 8-bit id)
//! or, when its id does not fit in 8 bits, as a local x2APIC entry (type 9,
//! a 32-bit id): QEMU lists cores 0..=254 the first way and the rest the
//! second. Both kinds are read, in table order (the order ACPI asks cores
//! to be started in), and counted, so the boot log shows that an x2APIC
//! entry was seen.

use alloc::vec::Vec;
use core::ptr::NonNull;

use acpi::madt::{Madt, MadtEntry};
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping};
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
    /// Every local APIC and local x2APIC entry of the MADT, in table order.
    pub madt_cpus: Vec<MadtCpu>,
    /// How many of them were local APIC entries (type 0).
    pub xapic_entries: usize,
    /// How many were local x2APIC entries (type 9).
    pub x2apic_entries: usize,
    /// The I/O APICs.
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
    let madt = tables
        .find_table::<Madt>()
        .map_err(|_| "the ACPI MADT is missing or malformed")?;
    let mut platform = Platform {
        madt_cpus: Vec::new(),
        xapic_entries: 0,
        x2apic_entries: 0,
        io_apics: Vec::new(),
        overrides: Vec::new(),
    };
    // Bit 0 of an entry's flags: the core is enabled (may be started).
    for entry in madt.get().entries() {
        let (apic_id, flags) = match entry {
            MadtEntry::LocalApic(e) => {
                platform.xapic_entries += 1;
                (u32::from(e.apic_id), e.flags)
            }
            MadtEntry::LocalX2Apic(e) => {
                platform.x2apic_entries += 1;
                (e.x2apic_id, e.flags)
            }
            MadtEntry::IoApic(e) => {
                platform.io_apics.push(IoApicInfo {
                    id: e.io_apic_id,
                    phys: u64::from(e.io_apic_address),
                    gsi_base: e.global_system_interrupt_base,
                });
                continue;
            }
            // Bus 0 is ISA, the only bus an override names.
            MadtEntry::InterruptSourceOverride(e) if e.bus == 0 => {
                platform.overrides.push(Override {
                    isa_irq: e.irq,
                    gsi: e.global_system_interrupt,
                    mode: mps_inti_mode(e.flags),
                });
                continue;
            }
            _ => continue,
        };
        platform.madt_cpus.push(MadtCpu {
            apic_id,
            enabled: flags & 1 != 0,
        });
    }
    if platform.madt_cpus.is_empty() {
        return Err("the MADT lists no processors");
    }
    Ok(platform)
}

/// An override's MPS INTI flags: bits 0-1 polarity (0b11 active low), bits
/// 2-3 trigger mode (0b11 level); "same as the bus" is ISA's edge, active
/// high.
fn mps_inti_mode(flags: u16) -> LineMode {
    LineMode {
        active_low: flags & 0b11 == 0b11,
        level: (flags >> 2) & 0b11 == 0b11,
    }
}
