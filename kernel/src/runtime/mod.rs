//! The Go runtime's objects on bare metal: M (a core), and later P and G.

pub mod m;
