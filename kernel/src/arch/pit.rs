//! Busy-wait delays on the legacy PIT (channel 2, polled).
//!
//! Before the TSC is calibrated the kernel still needs real delays: the
//! INIT–SIPI–SIPI sequence asks for 10 ms and 200 µs pauses. PIT channel 2
//! counts at a fixed 1.193182 MHz, can be polled through port 0x61 without
//! interrupts, and exists on every PC and in QEMU. Used by one core at a time
//! (the bootstrap core at boot), serialised by a lock anyway (a plain spin
//! lock with interrupts off: this module sits below `sync`).

use x86_64::instructions::port::Port;

use super::cpu;

/// The PIT's input clock in Hz.
pub const PIT_HZ: u64 = 1_193_182;
const MAX_COUNT: u64 = 0xffff;

static PIT: spin::Mutex<()> = spin::Mutex::new(());

/// Busy-wait at least `us` microseconds.
pub fn delay_us(us: u64) {
    let mut ticks = (us * PIT_HZ).div_ceil(1_000_000);
    while ticks > 0 {
        let chunk = ticks.min(MAX_COUNT);
        wait_ticks(chunk as u16);
        ticks -= chunk;
    }
}

/// Count `ticks` PIT ticks on channel 2 in mode 0 and wait for terminal count.
pub fn wait_ticks(ticks: u16) {
    let were = cpu::interrupts_disable_save();
    let guard = PIT.lock();
    let mut gate = Port::<u8>::new(0x61);
    let mut command = Port::<u8>::new(0x43);
    let mut channel2 = Port::<u8>::new(0x42);
    // SAFETY: ports 0x61/0x43/0x42 are the PC's speaker gate, PIT command and
    // channel-2 data ports; only this module drives channel 2.
    unsafe {
        // Gate on, speaker off.
        let g = gate.read();
        gate.write((g & !0x02) | 0x01);
        // Channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count), binary.
        command.write(0b1011_0000);
        channel2.write(ticks as u8);
        channel2.write((ticks >> 8) as u8);
        // OUT2 (bit 5 of port 0x61) goes high at terminal count.
        while gate.read() & 0x20 == 0 {
            core::hint::spin_loop();
        }
    }
    drop(guard);
    cpu::interrupts_restore(were);
}
