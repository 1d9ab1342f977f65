//! The I/O APICs: where device interrupt lines (ISA IRQs, PCI INTx) become
//! vectors delivered to a core.
//!
//! Design note: the MADT lists each I/O APIC (its register page and the
//! first global system interrupt, GSI, of its inputs) and the *interrupt
//! source overrides*: on a PC, ISA IRQ n is GSI n unless an override says
//! otherwise (QEMU's `pc` and `q35` both move the PIT's IRQ 0 to GSI 2, and
//! an override may also change the polarity and trigger mode). Every input
//! starts masked; [`route`] unmasks one ISA IRQ as a fixed-delivery,
//! physical-destination vector to one core, and may be called again to
//! move it to another core (the netpoller moves COM1's line to the M that
//! waits in `hlt`, so the device wakes that core itself). An I/O APIC is
//! reached through two 32-bit registers: a selector at offset 0 and a
//! window at 0x10; one lock serialises the pair.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use x86_64::VirtAddr;

const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
const REG_VERSION: u32 = 0x01;
const REG_REDTBL: u32 = 0x10;

const RED_MASKED: u32 = 1 << 16;
const RED_LEVEL: u32 = 1 << 15;
const RED_ACTIVE_LOW: u32 = 1 << 13;
/// Delivery status and remote IRR: read-only, ignored when comparing.
const RED_STATUS_BITS: u32 = (1 << 12) | (1 << 14);

/// How an interrupt line signals (from the MADT's override, or the ISA
/// default: edge, active high).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineMode {
    pub level: bool,
    pub active_low: bool,
}

/// The ISA default: edge-triggered, active high.
pub const ISA_DEFAULT: LineMode = LineMode {
    level: false,
    active_low: false,
};

/// One I/O APIC as the MADT describes it.
#[derive(Clone, Copy, Debug)]
pub struct IoApicInfo {
    pub id: u8,
    pub phys: u64,
    pub gsi_base: u32,
}

/// One interrupt source override of the MADT.
#[derive(Clone, Copy, Debug)]
pub struct Override {
    pub isa_irq: u8,
    pub gsi: u32,
    pub mode: LineMode,
}

struct Chip {
    regs: VirtAddr,
    gsi_base: u32,
    inputs: u32,
}

impl Chip {
    fn read(&self, reg: u32) -> u32 {
        // SAFETY: `regs` maps this I/O APIC's register page uncached; the
        // selector/window pair is used under `CHIPS`' lock.
        unsafe {
            core::ptr::write_volatile((self.regs + IOREGSEL).as_mut_ptr::<u32>(), reg);
            core::ptr::read_volatile((self.regs + IOWIN).as_ptr::<u32>())
        }
    }

    fn write(&self, reg: u32, value: u32) {
        // SAFETY: as in `read`.
        unsafe {
            core::ptr::write_volatile((self.regs + IOREGSEL).as_mut_ptr::<u32>(), reg);
            core::ptr::write_volatile((self.regs + IOWIN).as_mut_ptr::<u32>(), value);
        }
    }
}

struct State {
    chips: Vec<Chip>,
    overrides: Vec<Override>,
}

static STATE: spin::Mutex<Option<State>> = spin::Mutex::new(None);
/// Number of I/O APIC inputs found (for the boot line).
static INPUTS: AtomicU32 = AtomicU32::new(0);

/// Take the I/O APICs the MADT lists, each with its register page already
/// mapped uncached by the caller (`map(phys)`), and mask every input.
/// Bootstrap core, once, with interrupts off.
pub fn init(chips: &[IoApicInfo], overrides: &[Override], mut map: impl FnMut(u64) -> VirtAddr) {
    let mut list = Vec::new();
    for c in chips {
        let regs = map(c.phys);
        let mut chip = Chip {
            regs,
            gsi_base: c.gsi_base,
            inputs: 0,
        };
        chip.inputs = ((chip.read(REG_VERSION) >> 16) & 0xff) + 1;
        for i in 0..chip.inputs {
            chip.write(REG_REDTBL + 2 * i, RED_MASKED);
            chip.write(REG_REDTBL + 2 * i + 1, 0);
        }
        INPUTS.fetch_add(chip.inputs, Ordering::Relaxed);
        list.push(chip);
    }
    *STATE.lock() = Some(State {
        chips: list,
        overrides: overrides.to_vec(),
    });
}

/// Inputs over all I/O APICs (0 before [`init`] or without one).
pub fn inputs() -> u32 {
    INPUTS.load(Ordering::Relaxed)
}

/// The GSI and mode ISA IRQ `irq` arrives on, after the overrides.
pub fn isa_gsi(irq: u8) -> Option<(u32, LineMode)> {
    let st = STATE.lock();
    let st = st.as_ref()?;
    Some(
        st.overrides
            .iter()
            .find(|o| o.isa_irq == irq)
            .map_or((irq as u32, ISA_DEFAULT), |o| (o.gsi, o.mode)),
    )
}

/// Deliver ISA IRQ `irq` as `vector` to the core with `apic_id` (fixed
/// delivery, physical destination), unmasked. Calling it again moves the
/// line to another core without masking it. Returns the GSI, or an error
/// when no I/O APIC has that input or the core is out of its reach.
pub fn route(irq: u8, vector: u8, apic_id: u32) -> Result<u32, &'static str> {
    let (gsi, mode) = isa_gsi(irq).ok_or("no I/O APIC was found in the MADT")?;
    let st = STATE.lock();
    let st = st.as_ref().ok_or("no I/O APIC was found in the MADT")?;
    let chip = st
        .chips
        .iter()
        .find(|c| (c.gsi_base..c.gsi_base + c.inputs).contains(&gsi))
        .ok_or("no I/O APIC has the interrupt's GSI")?;
    let pin = gsi - chip.gsi_base;
    let mut low = vector as u32;
    if mode.level {
        low |= RED_LEVEL;
    }
    if mode.active_low {
        low |= RED_ACTIVE_LOW;
    }
    // The destination field holds 8 bits: cores past APIC id 255 (x2APIC)
    // would need interrupt remapping, which this kernel does not set up.
    if apic_id > 0xff {
        return Err("the I/O APIC cannot name a core past APIC id 255");
    }
    let dest = apic_id << 24;
    if chip.read(REG_REDTBL + 2 * pin) & !RED_STATUS_BITS == low {
        // Already delivered as `vector`: move it with one write of the
        // destination. Masking around the move could drop an edge that
        // arrives meanwhile (a masked edge-triggered input forgets it),
        // and the UART would then wait forever for a read.
        chip.write(REG_REDTBL + 2 * pin + 1, dest);
    } else {
        chip.write(REG_REDTBL + 2 * pin, low | RED_MASKED);
        chip.write(REG_REDTBL + 2 * pin + 1, dest);
        chip.write(REG_REDTBL + 2 * pin, low);
    }
    Ok(gsi)
}
