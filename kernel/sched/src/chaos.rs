//! Chaos: how long a vCPU stalls at one synchronization point.
//!
//! Design note. Under QEMU's `-icount` every vCPU runs round-robin on one
//! host thread, and a `pause` ends the running vCPU's turn (QEMU's x86
//! `helper_pause`: "let another CPU run"). So a kernel that executes a
//! few `pause`s at a sync point hands the machine to the other cores for a
//! few turns right there, and whether it does is a function of the seed:
//! a different seed is a different interleaving, and the same seed the
//! same one. [`Stalls`] makes that choice, per M, from the boot seed:
//!
//! - one point in `one_in` stalls for 1–3 `pause`s: noise everywhere;
//! - one of those in [`LONG_ONE_IN`] stalls for 256–4096 `pause`s: the
//!   few long delays at random depths that PCT (Burckhardt et al., 2010)
//!   shows find bugs of small depth with good probability, where uniform
//!   noise rarely holds one core back long enough;
//! - one timer tick in [`PREEMPT_ONE_IN`] asks for a preemption whatever
//!   the G's time slice: preemption points move too.
//!
//! Everything here is plain arithmetic on a private generator: the kernel
//! keeps one [`Stalls`] per M and calls it with interrupts off.

use crate::rand::CheapRand;

/// One stall in this many is a long one.
pub const LONG_ONE_IN: u64 = 64;
/// One tick in this many preempts the running G.
pub const PREEMPT_ONE_IN: u64 = 8;

/// One M's chaos decisions.
pub struct Stalls {
    one_in: u64,
    rng: CheapRand,
}

impl Stalls {
    /// M `id`'s decisions for boot seed `seed`, stalling at one point in
    /// `one_in` (0: never). The generator is not the M's scheduling one
    /// (`CheapRand::for_m(seed, id)`): chaos on must not change which
    /// victims the M steals from, only when it runs.
    pub const fn new(seed: u64, id: u32, one_in: u32) -> Self {
        Stalls {
            one_in: one_in as u64,
            rng: CheapRand::for_m(seed ^ 0xc4a0_5c4a_05c4_a05c, id),
        }
    }

    /// How many `pause`s to execute at this sync point (0: none).
    pub fn at_point(&mut self) -> u32 {
        if self.one_in == 0 || !self.rng.next_u64().is_multiple_of(self.one_in) {
            return 0;
        }
        let r = self.rng.next_u64();
        if r.is_multiple_of(LONG_ONE_IN) {
            256 << ((r >> 8) % 5)
        } else {
            1 + ((r >> 8) % 3) as u32
        }
    }

    /// Whether this timer tick preempts the running G.
    pub fn preempt_at_tick(&mut self) -> bool {
        self.one_in != 0 && self.rng.next_u64().is_multiple_of(PREEMPT_ONE_IN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn off_never_stalls_nor_preempts() {
        let mut s = Stalls::new(9, 0, 0);
        for _ in 0..10_000 {
            assert_eq!(s.at_point(), 0);
            assert!(!s.preempt_at_tick());
        }
    }

    #[test]
    fn stalls_are_a_function_of_seed_and_m() {
        let draw = |seed, id| {
            let mut s = Stalls::new(seed, id, 10);
            (0..1000).map(|_| s.at_point()).collect::<Vec<_>>()
        };
        assert_eq!(draw(9, 1), draw(9, 1));
        assert_ne!(draw(9, 1), draw(9, 2));
        assert_ne!(draw(9, 1), draw(10, 1));
    }

    #[test]
    fn rates_match_the_design() {
        let mut s = Stalls::new(42, 3, 20);
        let (mut short, mut long, n) = (0u32, 0u32, 2_000_000);
        for _ in 0..n {
            match s.at_point() {
                0 => {}
                1..=3 => short += 1,
                p => {
                    assert!((256..=4096).contains(&p) && p.is_power_of_two(), "{p}");
                    long += 1;
                }
            }
        }
        // 1 in 20 stall (100,000 expected), 1 in 64 of those long (~1,560).
        let all = short + long;
        assert!((95_000..105_000).contains(&all), "{all} stalls");
        assert!((1_300..1_850).contains(&long), "{long} long stalls");
        let ticks = (0..80_000).filter(|_| s.preempt_at_tick()).count();
        assert!((9_000..11_000).contains(&ticks), "{ticks} preempting ticks");
    }
}
