//! The portable half of gmp-metal: everything about scheduling that does not
//! need a CPU, tested on the host.
#![no_std]
// Every unsafe block says why it is sound (`// SAFETY:`), checked by clippy.
#![warn(clippy::undocumented_unsafe_blocks)]

extern crate alloc;
#[cfg(test)]
extern crate std;

// `sync` first: it defines the `maybe_const_fn!` macro the others use.
mod sync;
// Then `named_enum!`, which the enums of the modules below are declared with.
mod named_enum;

pub mod chanbuf;
pub mod chaos;
pub mod cpus;
pub mod findrunnable;
pub mod gdump;
pub mod gfree;
pub mod glist;
pub mod globrunq;
pub mod layout;
pub mod metrics;
pub mod mutexstate;
pub mod options;
pub mod plist;
pub mod policy;
pub mod polldesc;
pub mod procresize;
pub mod rand;
pub mod runq;
pub mod selectorder;
pub mod sema;
pub mod spinning;
pub mod stealorder;
pub mod timehist;
pub mod timerheap;
pub mod trace;
pub mod waitq;
pub mod waitreason;

pub use gfree::{GlobalGFree, LocalGFree};
pub use glist::{GList, GQueue, SchedLink};
pub use globrunq::{GlobalRunQueue, globrunqget_count};
pub use rand::CheapRand;
pub use runq::LocalRunQueue;
pub use stealorder::{RandomEnum, RandomOrder};
pub use sync::BROKEN_RUNQ;
