//! The boot images and the kernel ELF, as built by `boot/build.rs`.
//!
//! Design note: the build script bakes the paths in at compile time, so the
//! runner and the tests always boot the kernel that was built with them;
//! there is no image to find or go stale at run time.

use std::path::Path;

/// Raw disk image with the BIOS bootloader and the kernel.
pub const BIOS_IMAGE: &str = env!("GMP_BIOS_IMAGE");
/// Raw disk image (GPT + FAT) with the UEFI bootloader and the kernel.
pub const UEFI_IMAGE: &str = env!("GMP_UEFI_IMAGE");
/// The kernel ELF with debug info, for gdb.
pub const KERNEL_ELF: &str = env!("GMP_KERNEL_ELF");

/// Which firmware boots the machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Firmware {
    /// SeaBIOS, QEMU's default, booting [`BIOS_IMAGE`].
    #[default]
    Bios,
    /// OVMF booting [`UEFI_IMAGE`].
    Uefi,
}

impl Firmware {
    /// The disk image this firmware boots.
    pub fn image(self) -> &'static Path {
        Path::new(match self {
            Firmware::Bios => BIOS_IMAGE,
            Firmware::Uefi => UEFI_IMAGE,
        })
    }
}
