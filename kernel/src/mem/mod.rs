//! Physical frames, the kernel's page tables, the heap and guarded stacks.
//!
//! The bootloader maps all physical memory at a dynamic offset; every
//! physical address is therefore reachable as `offset + pa`. On top of that
//! the kernel claims whole PML4 slots (512 GiB each) of the upper half for
//! its own regions — the heap and the stacks — so those never collide with
//! anything the bootloader mapped.

pub mod describe;
pub mod frame;
pub mod gstack;
pub mod heap;
pub mod paging;
pub mod stack;

use bootloader_api::BootInfo;

/// Bring up frames, page tables and the heap, in that order (each needs the
/// one before). Bootstrap core only, before any other core runs.
pub fn init(boot_info: &'static BootInfo) {
    let offset = boot_info
        .physical_memory_offset
        .into_option()
        .expect("bootloader config asks for a physical memory mapping");
    paging::init(offset);
    describe::init(boot_info.kernel_image_offset, boot_info.kernel_len);
    frame::init(&boot_info.memory_regions);
    heap::init();
    stack::init();
}

/// W^X, checked at boot: kernel code must not be writable, and data, heap
/// and stacks must not be executable. The bootloader maps the kernel's ELF
/// segments by their flags and the kernel maps its own regions `NO_EXECUTE`;
/// this verifies both, so a regression fails the boot loudly instead of
/// silently weakening protection.
pub fn check_wx() {
    use x86_64::VirtAddr;
    use x86_64::structures::paging::PageTableFlags as F;
    static DATA: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
    let heap = alloc::boxed::Box::new(0u64);
    let local = 0u64;
    let probes: [(&str, u64, bool); 4] = [
        ("kernel code", check_wx as *const () as u64, true),
        ("kernel data", &DATA as *const _ as u64, false),
        ("the heap", &*heap as *const u64 as u64, false),
        ("the boot stack", &local as *const u64 as u64, false),
    ];
    for (what, addr, code) in probes {
        let flags = paging::flags_of(VirtAddr::new(addr)).unwrap_or_else(|| {
            panic!("W^X check: {what} at {addr:#x} is not mapped with 4 KiB pages")
        });
        let (w, x) = (flags.contains(F::WRITABLE), !flags.contains(F::NO_EXECUTE));
        assert!(
            !(w && x),
            "W^X check: {what} at {addr:#x} is writable and executable"
        );
        assert!(
            code == x,
            "W^X check: {what} at {addr:#x} is {}executable",
            if x { "" } else { "not " }
        );
    }
}
