//! `--smp SPEC`: how many cores, in which topology, and which APIC ids QEMU
//! gives them.
//!
//! Design note: QEMU checks `-smp` itself, but its complaints arrive after
//! the machine is half built and in QEMU's own words; checking on the host
//! gives one sentence that names `--smp`. The same resolved topology also
//! tells the tests which APIC ids the kernel must report: QEMU packs the
//! thread, core, die and socket numbers into the APIC id, each in a field as
//! wide as the bit count of its level's size (rounded up to a power of two),
//! so `6,sockets=2,cores=3` gives ids 0, 1, 2, 4, 5, 6 — not 0..5. The
//! largest id decides whether the guest needs x2APIC (see `x2apic`).

use std::fmt;

/// The most cores the runner starts: what QEMU's q35 machine and the
/// kernel's per-core tables (`gmp_sched::cpus::MAX_CPUS`) hold.
pub const MAX_CORES: u32 = gmp_sched::cpus::MAX_CPUS as u32;
/// The most cores of a guest without x2APIC (QEMU's `pc` machine).
pub const MAX_XAPIC_CORES: u32 = 255;

/// A validated `-smp` value with every field QEMU would compute filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Smp {
    spec: String,
    /// Cores present at boot (`cpus`).
    pub cpus: u32,
    /// Cores the machine could hold (`maxcpus`, at least `cpus`).
    pub maxcpus: u32,
    pub sockets: u32,
    pub dies: u32,
    pub cores: u32,
    pub threads: u32,
}

/// Why an `--smp` value was refused; `Display` is one sentence naming `--smp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmpError {
    spec: String,
    why: String,
}

impl fmt::Display for SmpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--smp {}: {}", self.spec, self.why)
    }
}

impl std::error::Error for SmpError {}

/// The topology fields the runner accepts (QEMU's x86 `pc` machine; it has
/// no clusters, books or drawers).
const FIELDS: [&str; 6] = ["cpus", "maxcpus", "sockets", "dies", "cores", "threads"];

impl Smp {
    /// Parses `N` or `N,key=value,...` (or only `key=value,...`) and resolves
    /// the omitted fields the way QEMU 6.2+ does (prefer cores over sockets).
    pub fn parse(spec: &str) -> Result<Smp, SmpError> {
        let err = |why: String| SmpError {
            spec: spec.to_string(),
            why,
        };
        let example = "expected a core count like 4 or a topology like 6,sockets=2,cores=3";
        if spec.trim().is_empty() {
            return Err(err(example.into()));
        }
        // cpus, maxcpus, sockets, dies, cores, threads; 0 = omitted.
        let mut given = [0u32; 6];
        for (i, part) in spec.split(',').enumerate() {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k, v),
                None if i == 0 => ("cpus", part),
                None => return Err(err(format!("\"{part}\" is not key=value; {example}"))),
            };
            let Some(slot) = FIELDS.iter().position(|f| *f == key) else {
                return Err(err(format!(
                    "unknown field \"{key}\" (known: {})",
                    FIELDS.join(", ")
                )));
            };
            if given[slot] != 0 {
                return Err(err(format!("\"{key}\" is given twice")));
            }
            let n: u32 = match value.parse() {
                Ok(n) => n,
                Err(_) if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() => {
                    return Err(err(format!(
                        "{key}={value} is far more than {MAX_CORES} cores"
                    )));
                }
                Err(_) => return Err(err(format!("\"{value}\" is not a number; {example}"))),
            };
            if n == 0 {
                return Err(err(format!(
                    "{key} must be at least 1 (a machine needs at least one core)"
                )));
            }
            given[slot] = n;
        }
        let [cpus, maxcpus, sockets, dies, cores, threads] = given;
        resolve(cpus, maxcpus, sockets, dies.max(1), cores, threads)
            .map(|r| Smp {
                spec: spec.to_string(),
                ..r
            })
            .map_err(err)
    }

    /// The text handed to QEMU's `-smp`, as the user wrote it.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// The APIC id of each core present at boot, in QEMU's CPU index order
    /// (index 0 is the bootstrap core).
    pub fn apic_ids(&self) -> Vec<u32> {
        (0..self.cpus).map(|i| self.apic_id(i)).collect()
    }

    /// The APIC id QEMU gives CPU index `i`.
    fn apic_id(&self, i: u32) -> u32 {
        let smt_width = bit_width(self.threads);
        let core_width = bit_width(self.cores);
        let die_width = bit_width(self.dies);
        let thread = i % self.threads;
        let core = (i / self.threads) % self.cores;
        let die = (i / (self.threads * self.cores)) % self.dies;
        let socket = i / (self.threads * self.cores * self.dies);
        (socket << (die_width + core_width + smt_width))
            | (die << (core_width + smt_width))
            | (core << smt_width)
            | thread
    }

    /// The largest APIC id of the machine, hot-pluggable cores included
    /// (QEMU sizes the machine by `maxcpus`).
    pub fn max_apic_id(&self) -> u32 {
        self.apic_id(self.maxcpus - 1)
    }

    /// Whether the guest needs x2APIC: more cores than the `pc` machine
    /// holds, or an APIC id an xAPIC cannot address (above 254; 0xff is
    /// the broadcast id).
    pub fn needs_x2apic(&self) -> bool {
        self.maxcpus > MAX_XAPIC_CORES || self.max_apic_id() > gmp_sched::cpus::MAX_XAPIC_ID
    }
}

/// Bits needed to number `count` items: 1 → 0, 2 → 1, 3..=4 → 2, 5..=8 → 3.
/// (QEMU's `apicid_bitwidth_for_count`.)
fn bit_width(count: u32) -> u32 {
    match count {
        0 | 1 => 0,
        n => u32::BITS - (n - 1).leading_zeros(),
    }
}

/// QEMU's rule for the omitted fields (0 = omitted), then the checks that
/// the product of the levels matches and that the runner's limit holds.
fn resolve(
    cpus: u32,
    maxcpus: u32,
    mut sockets: u32,
    dies: u32,
    mut cores: u32,
    mut threads: u32,
) -> Result<Smp, String> {
    let mut maxcpus = maxcpus;
    if cpus == 0 && maxcpus == 0 {
        sockets = sockets.max(1);
        cores = cores.max(1);
        threads = threads.max(1);
    } else {
        maxcpus = if maxcpus > 0 { maxcpus } else { cpus };
        if cores == 0 {
            sockets = sockets.max(1);
            threads = threads.max(1);
            cores = maxcpus / (sockets * dies * threads);
        } else if sockets == 0 {
            threads = threads.max(1);
            sockets = maxcpus / (dies * cores * threads);
        }
        if threads == 0 {
            threads = maxcpus / (sockets * dies * cores);
        }
    }
    let total = u64::from(sockets) * u64::from(dies) * u64::from(cores) * u64::from(threads);
    let maxcpus = if maxcpus > 0 {
        u64::from(maxcpus)
    } else {
        total
    };
    let cpus = if cpus > 0 { u64::from(cpus) } else { maxcpus };
    if total != maxcpus || sockets == 0 || cores == 0 || threads == 0 {
        return Err(format!(
            "sockets ({sockets}) x dies ({dies}) x cores ({cores}) x threads ({threads}) does not make {maxcpus} cores"
        ));
    }
    if cpus > maxcpus {
        return Err(format!("{cpus} cores do not fit in maxcpus={maxcpus}"));
    }
    if maxcpus > u64::from(MAX_CORES) {
        return Err(format!(
            "{maxcpus} cores is more than the {MAX_CORES} the runner starts (the most QEMU's q35 machine and the kernel's per-core tables hold)"
        ));
    }
    // All values are now at most MAX_CORES.
    Ok(Smp {
        spec: String::new(),
        cpus: cpus as u32,
        maxcpus: maxcpus as u32,
        sockets,
        dies,
        cores,
        threads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_count_is_one_socket_of_cores() {
        let s = Smp::parse("4").unwrap();
        assert_eq!((s.cpus, s.sockets, s.cores, s.threads), (4, 1, 4, 1));
        assert_eq!(s.apic_ids(), vec![0, 1, 2, 3]);
    }

    #[test]
    fn three_cores_per_socket_leave_a_gap_in_apic_ids() {
        let s = Smp::parse("6,sockets=2,cores=3").unwrap();
        assert_eq!((s.cpus, s.sockets, s.cores, s.threads), (6, 2, 3, 1));
        assert_eq!(s.apic_ids(), vec![0, 1, 2, 4, 5, 6]);
    }

    #[test]
    fn threads_and_dies_take_their_own_fields() {
        // threads=3 -> 2 bits, cores=2 -> 1 bit, dies=2 -> 1 bit.
        let s = Smp::parse("sockets=1,dies=2,cores=2,threads=3").unwrap();
        assert_eq!(s.cpus, 12);
        assert_eq!(s.apic_ids(), vec![0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14]);
    }

    #[test]
    fn fewer_cpus_than_maxcpus_start_the_first_ones() {
        let s = Smp::parse("2,maxcpus=4").unwrap();
        assert_eq!((s.cpus, s.maxcpus, s.cores), (2, 4, 4));
        assert_eq!(s.apic_ids(), vec![0, 1]);
    }

    #[test]
    fn bit_widths_round_up_to_powers_of_two() {
        let widths: Vec<u32> = (1..=9).map(bit_width).collect();
        assert_eq!(widths, vec![0, 1, 2, 2, 3, 3, 3, 3, 4]);
    }

    #[test]
    fn x2apic_is_needed_past_255_cores_or_past_apic_id_254() {
        let needs = |spec: &str| Smp::parse(spec).unwrap().needs_x2apic();
        assert!(!needs("255"));
        assert!(needs("256"));
        assert!(needs("1024"));
        // 2 bits of core id per socket: socket 63, core 2 has id 254.
        assert!(!needs("192,sockets=64,cores=3"));
        // Socket 64, core 0 has id 256 although there are only 195 cores.
        assert!(needs("195,sockets=65,cores=3"));
        // Hot-pluggable cores count: QEMU builds the machine for maxcpus.
        assert!(needs("4,maxcpus=300"));
        let s = Smp::parse("288").unwrap();
        assert_eq!((s.max_apic_id(), s.apic_ids()[287]), (287, 287));
    }

    fn refusal(spec: &str) -> String {
        Smp::parse(spec).unwrap_err().to_string()
    }

    #[test]
    fn refusals_name_the_option_and_the_problem() {
        assert_eq!(
            refusal("0"),
            "--smp 0: cpus must be at least 1 (a machine needs at least one core)"
        );
        assert!(refusal("four").contains("\"four\" is not a number"));
        assert!(refusal("").contains("expected a core count"));
        assert!(refusal("1025").contains("more than the 1024"));
        assert!(refusal("99999999999").contains("far more than 1024"));
        assert!(refusal("4,sockets=3").contains("does not make 4 cores"));
        assert!(refusal("4,clusters=2").contains("unknown field \"clusters\""));
        assert!(refusal("4,cores=2,cores=2").contains("given twice"));
        assert!(refusal("4,maxcpus=2").contains("do not fit"));
        assert!(refusal("4,2").contains("not key=value"));
    }
}
