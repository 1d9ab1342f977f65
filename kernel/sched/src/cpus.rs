//! The core list: which APIC ids become which Ms.
//!
//! The MADT lists one entry per local APIC, in firmware order, with the
//! bootstrap processor not necessarily first and APIC ids not necessarily
//! contiguous (QEMU's `-smp 6,sockets=2,cores=3` gives 0,1,2,4,5,6). The
//! kernel numbers Ms densely instead: M0 is the core that booted (whatever
//! its APIC id), then every other enabled entry in MADT order, because
//! ACPI asks that application processors be started in that order. Disabled
//! entries (hot-pluggable sockets that are empty) are skipped; a duplicated
//! APIC id is a firmware bug worth refusing, since two Ms would fight over
//! one core.
//!
//! Which ids the kernel can reach depends on the APIC mode: an xAPIC names
//! the target of an IPI in 8 bits, and 0xff means "everyone", so without
//! x2APIC a core whose id is above 254 can never be started. QEMU gives
//! such ids to cores 255 and up (MADT x2APIC entries, type 9); they are
//! left out and counted, so the boot log can say why.

use alloc::vec::Vec;
use core::fmt;

/// Most cores the kernel runs on, and so the largest `procs`: the length of
/// every per-core table (`arch::percpu::MAX_CPUS`). 1024 is what the
/// runner starts on QEMU's q35 machine. The cost is memory, not image
/// size: the tables are zeroed `.bss` (the Ms too, see `runtime::objects::m`), and
/// raising this from 256 to 1024 grew the kernel's `.bss` from 173,320 to
/// 495,632 bytes (420 bytes per core slot; llvm-size of the debug kernel,
/// 2026-12-02).
pub const MAX_CPUS: usize = 1024;

/// One MADT local-APIC entry, reduced to what the kernel needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MadtCpu {
    /// The core's local APIC id.
    pub apic_id: u32,
    /// Whether the firmware says it may be started.
    pub enabled: bool,
}

/// The cores the kernel will run on, in M order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreList {
    /// `apic_ids[m]` is the APIC id of Mm; `apic_ids[0]` is the bootstrap core.
    pub apic_ids: Vec<u32>,
    /// Enabled cores left out because there were more than the kernel supports.
    pub left_out: usize,
    /// Enabled cores left out because their APIC id is above the largest
    /// the APIC mode can address.
    pub unreachable: usize,
}

/// The largest APIC id an xAPIC can send an IPI to (0xff is broadcast).
pub const MAX_XAPIC_ID: u32 = 0xfe;
/// The largest APIC id an x2APIC can send an IPI to (0xffff_ffff is
/// broadcast).
pub const MAX_X2APIC_ID: u32 = 0xffff_fffe;

/// Why a core list could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoreListError {
    /// Two MADT entries carry the same APIC id.
    DuplicateApicId(u32),
}

impl fmt::Display for CoreListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreListError::DuplicateApicId(id) => {
                write!(
                    f,
                    "the MADT lists APIC id {id} twice; refusing to start two Ms on one core"
                )
            }
        }
    }
}

/// Number the cores: the bootstrap core (APIC id `bsp_apic_id`) becomes M0,
/// the other enabled MADT entries with an id of at most `max_apic_id`
/// follow in table order, at most `max` in all.
pub fn core_list(
    bsp_apic_id: u32,
    madt: &[MadtCpu],
    max: usize,
    max_apic_id: u32,
) -> Result<CoreList, CoreListError> {
    // lab boot/core_list: begin
    let mut apic_ids = Vec::with_capacity(madt.len().max(1));
    apic_ids.push(bsp_apic_id);
    let mut left_out = 0;
    let mut unreachable = 0;
    let mut seen_bsp = false;
    for (i, cpu) in madt.iter().enumerate() {
        if madt[..i].iter().any(|c| c.apic_id == cpu.apic_id) {
            return Err(CoreListError::DuplicateApicId(cpu.apic_id));
        }
        if cpu.apic_id == bsp_apic_id {
            seen_bsp = true;
            continue;
        }
        if !cpu.enabled {
            continue;
        }
        if cpu.apic_id > max_apic_id {
            unreachable += 1;
        } else if apic_ids.len() < max {
            apic_ids.push(cpu.apic_id);
        } else {
            left_out += 1;
        }
    }
    // A MADT that omits the running core is odd but harmless: it still runs.
    let _ = seen_bsp;
    Ok(CoreList {
        apic_ids,
        left_out,
        unreachable,
    })
    // lab boot/core_list: end
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn en(ids: &[u32]) -> Vec<MadtCpu> {
        ids.iter()
            .map(|&apic_id| MadtCpu {
                apic_id,
                enabled: true,
            })
            .collect()
    }

    #[test]
    fn bootstrap_core_first_then_madt_order() {
        let l = core_list(2, &en(&[0, 1, 2, 3]), 256, MAX_X2APIC_ID).unwrap();
        assert_eq!(l.apic_ids, vec![2, 0, 1, 3]);
        assert_eq!(l.left_out, 0);
    }

    #[test]
    fn non_contiguous_ids_kept_as_given() {
        // QEMU -smp 6,sockets=2,cores=3: core field is 2 bits wide.
        let l = core_list(0, &en(&[0, 1, 2, 4, 5, 6]), 256, MAX_X2APIC_ID).unwrap();
        assert_eq!(l.apic_ids, vec![0, 1, 2, 4, 5, 6]);
    }

    #[test]
    fn disabled_entries_skipped() {
        let mut madt = en(&[0, 1, 2, 3]);
        madt[2].enabled = false;
        assert_eq!(
            core_list(0, &madt, 256, MAX_X2APIC_ID).unwrap().apic_ids,
            vec![0, 1, 3]
        );
    }

    #[test]
    fn single_core_and_empty_madt() {
        assert_eq!(
            core_list(0, &en(&[0]), 256, MAX_X2APIC_ID)
                .unwrap()
                .apic_ids,
            vec![0]
        );
        assert_eq!(
            core_list(7, &[], 256, MAX_X2APIC_ID).unwrap().apic_ids,
            vec![7]
        );
    }

    #[test]
    fn limit_counts_what_is_left_out() {
        let l = core_list(0, &en(&[0, 1, 2, 3, 4]), 3, MAX_X2APIC_ID).unwrap();
        assert_eq!(l.apic_ids, vec![0, 1, 2]);
        assert_eq!(l.left_out, 2);
    }

    #[test]
    fn xapic_mode_leaves_out_ids_above_254() {
        // QEMU -smp 288: ids 0..=287, the last 33 in x2APIC entries.
        let ids: Vec<u32> = (0..288).collect();
        let l = core_list(0, &en(&ids), 1024, MAX_XAPIC_ID).unwrap();
        assert_eq!(l.apic_ids, (0..=254).collect::<Vec<u32>>());
        assert_eq!((l.left_out, l.unreachable), (0, 33));
        let l = core_list(0, &en(&ids), 1024, MAX_X2APIC_ID).unwrap();
        assert_eq!(l.apic_ids.len(), 288);
        assert_eq!((l.left_out, l.unreachable), (0, 0));
    }

    #[test]
    fn a_thousand_and_twenty_four_cores_keep_madt_order() {
        let ids: Vec<u32> = (0..1024).rev().collect();
        let l = core_list(1023, &en(&ids), 1024, MAX_X2APIC_ID).unwrap();
        assert_eq!(l.apic_ids, ids);
        let l = core_list(1023, &en(&ids), 512, MAX_X2APIC_ID).unwrap();
        assert_eq!((l.apic_ids.len(), l.left_out), (512, 512));
    }

    #[test]
    fn duplicate_apic_id_rejected_with_message() {
        let e = core_list(0, &en(&[0, 1, 1]), 256, MAX_X2APIC_ID).unwrap_err();
        assert_eq!(e, CoreListError::DuplicateApicId(1));
        assert!(e.to_string().contains("APIC id 1 twice"));
    }

    #[test]
    fn every_m_id_distinct() {
        for n in 1..=64u32 {
            let ids: Vec<u32> = (0..n).map(|i| i * 2 + 1).collect();
            let l = core_list(ids[(n / 2) as usize], &en(&ids), 256, MAX_X2APIC_ID).unwrap();
            let mut sorted = l.apic_ids.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), n as usize);
            assert_eq!(l.apic_ids[0], ids[(n / 2) as usize]);
        }
    }
}
