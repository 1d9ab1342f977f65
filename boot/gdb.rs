//! `--gdb`: QEMU waits for a debugger, and the runner says how to attach.
//!
//! Design note: the kernel is a position-independent ELF linked at 0, and
//! bootloader 0.11 (without ASLR) relocates it to the first 512 GiB slot of
//! the address space that physical memory does not cover. With an AMD CPU
//! model (TCG's `-cpu max` reports AuthenticAMD) QEMU reserves the
//! HyperTransport hole just below 1 TiB, so slots 0 and 1 are taken and the
//! kernel lands at 0x100_0000_0000; with an Intel CPU it lands at
//! 0x80_0000_0000. The hint tells gdb that offset so symbols match, and
//! recommends hardware breakpoints: when QEMU starts, the kernel is not in
//! memory yet, and a software breakpoint written there is overwritten when
//! the bootloader copies the kernel in.

use crate::accel::Accel;

/// The port of QEMU's gdb stub (`-s` = `-gdb tcp::1234`).
pub const GDB_PORT: u16 = 1234;

/// Where the bootloader puts the kernel, for `symbol-file -o`.
pub fn kernel_load_offset(accel: Accel) -> u64 {
    const INTEL: u64 = 0x80_0000_0000;
    const AMD: u64 = 0x100_0000_0000;
    match accel {
        Accel::Tcg => AMD,
        Accel::Kvm => {
            let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
            if cpuinfo.contains("AuthenticAMD") {
                AMD
            } else {
                INTEL
            }
        }
    }
}

/// The gdb command line that attaches to the waiting QEMU.
pub fn command(elf: &str, accel: Accel) -> String {
    format!(
        "gdb -ex 'symbol-file -o {:#x} {elf}' -ex 'target remote :{GDB_PORT}'",
        kernel_load_offset(accel)
    )
}

/// What `--gdb` prints before QEMU starts.
pub fn hint(elf: &str, accel: Accel) -> String {
    format!(
        "gdb: QEMU is stopped before the first instruction, waiting for a debugger on localhost:{GDB_PORT}; attach with\n\
         \n    {}\n\n\
         gdb: the bootloader loads the kernel high, at {:#x} (symbol-file -o moves the symbols there); \
         use hardware breakpoints, e.g. `hbreak gmp_kernel::boot::kmain` then `continue`, \
         because the kernel is copied into memory after QEMU starts and would overwrite software breakpoints.",
        command(elf, accel),
        kernel_load_offset(accel)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_the_elf_the_offset_and_the_stub() {
        assert_eq!(
            command("/k.elf", Accel::Tcg),
            "gdb -ex 'symbol-file -o 0x10000000000 /k.elf' -ex 'target remote :1234'"
        );
        assert!(hint("/k.elf", Accel::Tcg).contains("hbreak"));
    }
}
