//! The gmp-metal runner.
pub const BIOS_IMAGE: &str = env!("GMP_BIOS_IMAGE");
