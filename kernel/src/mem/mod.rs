//! Physical frames, the kernel's page tables, the heap and guarded stacks.
//!
//! The bootloader maps all physical memory at a dynamic offset; every
//! physical address is therefore reachable as `offset + pa`. On top of that
//! the kernel claims whole PML4 slots (512 GiB each) of the upper half for
//! its own regions — the heap and the stacks — so those never collide with
//! anything the bootloader mapped.

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
    frame::init(&boot_info.memory_regions);
    heap::init();
    stack::init();
}
