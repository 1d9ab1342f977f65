//! The portable half of gmp-metal: everything about scheduling that does not
//! need a CPU, tested on the host.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod chanbuf;
pub mod cpus;
pub mod findrunnable;
pub mod mutexstate;
pub mod options;
pub mod selectorder;
pub mod sema;
pub mod timerheap;
pub mod waitq;
