//! Builds the boot images from the kernel ELF (an artifact dependency).
use bootloader::{BootConfig, DiskImageBuilder};
use std::path::PathBuf;

fn main() {
    let kernel = PathBuf::from(
        std::env::var_os("CARGO_BIN_FILE_GMP_KERNEL_gmp-kernel").expect("kernel artifact"),
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let mut config = BootConfig::default();
    config.frame_buffer_logging = false;
    config.serial_logging = true;
    // Keep the console for the kernel: only bootloader warnings and errors.
    config.log_level = bootloader_boot_config::LevelFilter::Warn;
    let mut builder = DiskImageBuilder::new(kernel.clone());
    builder.set_boot_config(&config);
    let bios = out.join("gmp-metal-bios.img");
    let uefi = out.join("gmp-metal-uefi.img");
    builder.create_bios_image(&bios).expect("BIOS image");
    builder.create_uefi_image(&uefi).expect("UEFI image");
    println!("cargo:rustc-env=GMP_BIOS_IMAGE={}", bios.display());
    println!("cargo:rustc-env=GMP_UEFI_IMAGE={}", uefi.display());
    println!("cargo:rustc-env=GMP_KERNEL_ELF={}", kernel.display());
}
