//! The legacy 8259 PICs: remapped out of the way and masked.
//!
//! After reset the master PIC delivers IRQ0–7 at vectors 8–15, on top of CPU
//! exceptions (the PIT's IRQ0 would arrive as a fake "double fault" the
//! moment interrupts are enabled). The kernel uses only the local APIC, so
//! both PICs are reprogrammed to vectors [`PIC_BASE`]..+16 and every line is
//! masked. A masked PIC can still raise a *spurious* IRQ 7/15; the IDT routes
//! those vectors to a handler that ignores them.

use x86_64::instructions::port::Port;

/// First vector of the remapped PICs (16 vectors, all masked).
pub const PIC_BASE: u8 = 0xe0;

/// Remap both PICs to `PIC_BASE` and mask every IRQ. Bootstrap core, once.
pub fn disable() {
    let mut cmd1 = Port::<u8>::new(0x20);
    let mut data1 = Port::<u8>::new(0x21);
    let mut cmd2 = Port::<u8>::new(0xa0);
    let mut data2 = Port::<u8>::new(0xa1);
    // SAFETY: the standard ICW1–ICW4 initialisation sequence on the PC's PIC
    // ports, followed by masking all lines; nothing else drives the PICs.
    unsafe {
        cmd1.write(0x11);
        cmd2.write(0x11);
        data1.write(PIC_BASE);
        data2.write(PIC_BASE + 8);
        data1.write(4);
        data2.write(2);
        data1.write(0x01);
        data2.write(0x01);
        data1.write(0xff);
        data2.write(0xff);
    }
}
