//! A small, fast, seedable PRNG for scheduling decisions (Go: `cheaprand`).
//!
//! Design note: the scheduler draws a random number on every steal attempt
//! (the steal order) and for timer/trace sampling, with interrupts off and
//! no allocator, so it must be a few instructions and lock-free. Like Go,
//! each M owns its generator (no atomics, no sharing); quality only has to
//! spread thieves over victims, not resist an adversary. This is wyrand
//! (Wang Yi's wyhash family), the generator Go uses for `cheaprand` on
//! 64-bit targets: a Weyl sequence (add an odd constant) mixed by one
//! 64×64→128 multiply folded with xor. A fixed seed gives a fixed sequence,
//! which keeps tests and `-icount` runs reproducible.

/// wyrand's increment (an odd Weyl constant).
const WY_INC: u64 = 0xa076_1d64_78bd_642f;
/// wyrand's mixing constant.
const WY_MIX: u64 = 0xe703_7ed1_a0b4_28db;

/// Per-M generator state (Go: `m.cheaprand`).
#[derive(Clone, Debug)]
pub struct CheapRand {
    state: u64,
}

impl CheapRand {
    /// A generator seeded with `seed` (any value, 0 included).
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// M `id`'s generator for the boot seed `seed`: the seed xor the id
    /// spread by the golden-ratio constant, so that Ms draw different
    /// sequences from one seed. The kernel seeds every M with this, and a
    /// host test recomputes an M's steal order from the seed with it.
    pub const fn for_m(seed: u64, id: u32) -> Self {
        Self::new(seed ^ (id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// The next 64 random bits: `hi ^ lo` of `s * (s ^ MIX)` after
    /// `s += INC`.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(WY_INC);
        let t = u128::from(self.state) * u128::from(self.state ^ WY_MIX);
        ((t >> 64) as u64) ^ (t as u64)
    }

    /// The next 32 random bits: the low half of [`CheapRand::next_u64`],
    /// exactly Go's `cheaprand()` on 64-bit targets.
    pub fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    /// A number in `0..n` (0 when `n` is 0), by Lemire's multiply-shift
    /// instead of a division (Go: `cheaprandn`). The bias is at most
    /// `n / 2^32`: irrelevant for picking among Ps.
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.next_u32()) * u64::from(n)) >> 32) as u32
    }
}
