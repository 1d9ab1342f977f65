//! Naming an address for fault reports: which kernel region it is in and,
//! for a G stack, whose (the caller says whose: memory does not know Gs).
//!
//! Every region the kernel owns has a known place (see `mem`), so a fault
//! address can be told apart without symbols: the kernel image (its code is
//! the only executable memory; its read-only data and code are not
//! writable), the heap, the g0/IST stacks, a G's stack or its guard page,
//! the physical-memory map, or nothing at all.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

use x86_64::VirtAddr;
use x86_64::structures::paging::PageTableFlags as Flags;

use super::{gstack, heap, paging, stack};

static IMAGE_START: AtomicU64 = AtomicU64::new(0);
static IMAGE_END: AtomicU64 = AtomicU64::new(0);

/// Remember where the bootloader put the kernel image.
pub fn init(image_offset: u64, image_len: u64) {
    IMAGE_START.store(image_offset, Ordering::Relaxed);
    IMAGE_END.store(image_offset + image_len, Ordering::Relaxed);
}

/// What an address is, for a report.
pub struct Region {
    addr: u64,
    /// The goid owning G-stack slot `n` (0: none).
    owner: fn(usize) -> u64,
}

/// Describe `addr`; `owner(slot)` names the G whose stack is in a slot.
pub fn region(addr: u64, owner: fn(usize) -> u64) -> Region {
    Region { addr, owner }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.addr;
        let flags = VirtAddr::try_new(a).ok().and_then(paging::flags_of);
        let rights = |f: &mut fmt::Formatter<'_>| match flags {
            Some(fl) => write!(
                f,
                " ({}{})",
                if fl.contains(Flags::WRITABLE) {
                    "writable"
                } else {
                    "read-only"
                },
                if fl.contains(Flags::NO_EXECUTE) {
                    ", not executable"
                } else {
                    ", executable"
                }
            ),
            None => write!(f, " (not mapped)"),
        };
        if let Some((slot, st, guard)) = gstack::slot_of(a) {
            let goid = (self.owner)(slot);
            if guard {
                return write!(f, "the guard page below the stack of G{goid}");
            }
            write!(
                f,
                "the stack of G{goid} [{:#x}, {:#x})",
                st.bottom.as_u64(),
                st.top.as_u64()
            )?;
            return rights(f);
        }
        if a >= IMAGE_START.load(Ordering::Relaxed) && a < IMAGE_END.load(Ordering::Relaxed) {
            let what = match flags {
                Some(fl) if !fl.contains(Flags::NO_EXECUTE) => "kernel code",
                Some(fl) if fl.contains(Flags::WRITABLE) => "kernel data",
                Some(_) => "kernel read-only data",
                None => "the kernel image",
            };
            write!(f, "{what}")?;
            return rights(f);
        }
        if heap::contains(a) {
            write!(f, "the kernel heap")?;
            return rights(f);
        }
        if stack::in_system_stacks(a) {
            write!(f, "a g0 or IST stack")?;
            return rights(f);
        }
        let phys = paging::phys_to_virt(x86_64::PhysAddr::new(0)).as_u64();
        if a >= phys && a < phys + (1u64 << 39) {
            write!(f, "the physical-memory map")?;
            return rights(f);
        }
        write!(f, "no kernel region")?;
        rights(f)
    }
}
