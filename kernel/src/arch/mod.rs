//! Everything x86_64: the only place with inline assembly and hardware
//! registers. The scheduler talks to the machine through these modules.

pub mod acpi;
pub mod apic;
pub mod backtrace;
pub mod bootgate;
pub mod console;
pub mod context;
pub mod cpu;
pub mod exceptions;
pub mod exit;
pub mod fwcfg;
pub mod gdt;
pub mod idt;
pub mod ioapic;
pub mod lockstep;
pub mod percpu;
pub mod physmap;
pub mod pic;
pub mod pit;
pub mod smp;
pub mod timer;
pub mod trampoline;
pub mod trap;
pub mod tsc;
