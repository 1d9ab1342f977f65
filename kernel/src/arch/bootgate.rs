//! A one-shot gate the application processors wait at, halted, until the
//! bootstrap core opens it.
//!
//! Design note: during bring-up the APs wait twice — for every core to be
//! online, then for the scheduler's Ps to exist. A spinning wait costs
//! nothing on hardware, but under QEMU's TCG every virtual core is a host
//! thread: 254 APs spinning on a flag leave the bootstrap core about 2/255
//! of a 2-core host, and it is the bootstrap core that has the work to do.
//! So an AP halts (`sti; hlt`) between looks at the flag, and opening the
//! gate sends each waiter the wake IPI, whose handler only acknowledges it.
//! `sti; hlt` cannot lose the wake-up: an IPI that arrives after the AP saw
//! the gate closed stays pending while interrupts are off, and `sti` lets
//! it in only once `hlt` has begun, which it then ends.

use core::sync::atomic::{AtomicBool, Ordering};

use super::idt::VECTOR_WAKE;
use super::{apic, cpu};

/// A gate that starts closed and is opened once.
pub struct BootGate(AtomicBool);

impl BootGate {
    pub const fn new() -> BootGate {
        BootGate(AtomicBool::new(false))
    }

    /// Whether the gate is open.
    pub fn is_open(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Halt until the gate is open. Interrupts must be off (they are off
    /// again on return); this core's APIC and IDT must be set up, so the
    /// wake IPI can reach it.
    pub fn wait(&self) {
        assert!(
            !cpu::interrupts_enabled(),
            "BootGate::wait with interrupts on could miss its wake-up"
        );
        while !self.is_open() {
            cpu::halt_until_interrupt();
        }
    }

    /// Open the gate and wake the cores with these APIC ids (its waiters).
    pub fn open(&self, waiters: impl Iterator<Item = u32>) {
        self.0.store(true, Ordering::Release);
        for apic_id in waiters {
            apic::send_ipi(apic_id, VECTOR_WAKE);
        }
    }
}

impl Default for BootGate {
    fn default() -> Self {
        BootGate::new()
    }
}
