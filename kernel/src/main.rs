//! gmp-metal: Go's G/M/P scheduler on bare-metal x86_64.
#![no_std]
#![no_main]

use bootloader_api::config::{BootloaderConfig, Mapping};
use bootloader_api::{BootInfo, entry_point};
use core::fmt::Write;
use x86_64::instructions::port::Port;

pub static BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::Dynamic);
    config.kernel_stack_size = 256 * 1024;
    config
};

entry_point!(kmain, config = &BOOTLOADER_CONFIG);

struct Com1;
impl Write for Com1 {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for b in s.bytes() {
            // SAFETY: COM1 data and status ports.
            unsafe {
                while Port::<u8>::new(0x3fd).read() & 0x20 == 0 {}
                Port::<u8>::new(0x3f8).write(b);
            }
        }
        Ok(())
    }
}

fn kmain(boot_info: &'static mut BootInfo) -> ! {
    let _ = writeln!(Com1, "hello from gmp-metal, phys offset {:?}", boot_info.physical_memory_offset);
    // SAFETY: isa-debug-exit.
    unsafe { Port::<u32>::new(0xf4).write(0x10) };
    loop {}
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let _ = writeln!(Com1, "panic: {info}");
    // SAFETY: isa-debug-exit.
    unsafe { Port::<u32>::new(0xf4).write(0x11) };
    loop {}
}
