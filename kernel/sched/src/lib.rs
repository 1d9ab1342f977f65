//! The portable half of gmp-metal: everything about scheduling that does not
//! need a CPU, tested on the host.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod cpus;
pub mod options;
