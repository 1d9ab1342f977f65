//! The scheduling policy in force (`policy=NAME`, the console's `policy`).
//!
//! Design note: a policy (`gmp_sched::policy::Policy`) is plain data that
//! the scheduler consults at its decision points — `runqput`, `runqget`,
//! the global-queue check, `stealWork`, the spinning cap, sysmon's time
//! slice, `wakep`. The one in force lives in one static, like the knobs
//! (`debug`): [`policy`] is a reference to it, so a decision is one load
//! from a fixed address, no dynamic dispatch and no pointer to chase (a
//! pointer would also cost the dev kernel its alignment and null checks on
//! every dereference: 30–45 instructions per switch, measured). The static
//! is written at boot, before any other core runs, and by [`set`] with the
//! world stopped and interrupts off on the writing core: no M holds a P
//! then (so no scheduling code runs), sysmon skips its work while
//! `gcwaiting`, and the netpoller's interrupt only queues Gs globally and
//! starts Ms, which reads no policy.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

use gmp_sched::options::BootOptions;
use gmp_sched::policy::{POLICIES, Policy, find, go};

/// The policy and its hot-path digest.
struct Installed {
    policy: Policy,
    fast: Fast,
}

/// What the hottest paths need to know, each one flag: whether the policy
/// decides there exactly as Go does, so Go's policy takes Go's code after
/// one load and branch, as the switches it replaced did.
#[derive(Clone, Copy, Debug)]
pub struct Fast {
    /// `runqput`: a readied G goes to `runnext`, no cap.
    pub runnext_plain: bool,
    /// `runqget`: a `runnext` G inherits the time slice, no cap to count.
    pub runqget_plain: bool,
    /// `findRunnable`: the global queue is looked at every 61st tick.
    pub interval_61: bool,
}

impl Fast {
    const fn of(p: &Policy) -> Fast {
        Fast {
            runnext_plain: matches!(p.ready, gmp_sched::policy::Ready::Runnext)
                && p.runnext_cap == 0,
            runqget_plain: p.runnext_cap == 0 && p.runnext_inherits,
            interval_61: p.global_interval as u64 == gmp_sched::findrunnable::GLOBAL_FAIRNESS_TICKS,
        }
    }
}

struct PolicyCell(UnsafeCell<Installed>);

// SAFETY: written only by `install`, whose callers guarantee that no other
// code reads it meanwhile (boot before other cores run, or a stopped world
// with interrupts off; see the module docs); read-only otherwise.
unsafe impl Sync for PolicyCell {}

static POLICY: PolicyCell = PolicyCell(UnsafeCell::new(Installed {
    policy: go::policy(),
    fast: Fast::of(&go::policy()),
}));
/// The row of [`POLICIES`] in force (its name is what the summary prints).
static ROW: AtomicUsize = AtomicUsize::new(0);

/// The policy in force.
#[inline(always)]
pub fn policy() -> &'static Policy {
    // SAFETY: see `PolicyCell`: no write happens while anyone reads, and
    // no reference from here is held across a stop of the world (readers
    // are scheduler paths of an M holding a P, which a stop waits out).
    unsafe { &(*POLICY.0.get()).policy }
}

/// The hot-path digest of the policy in force.
#[inline(always)]
pub fn fast() -> &'static Fast {
    // SAFETY: as for `policy`.
    unsafe { &(*POLICY.0.get()).fast }
}

/// The name of the policy in force (the registry row's; the historical
/// switches may have changed some of its decisions, see `describe`).
pub fn name() -> &'static str {
    POLICIES[ROW.load(Ordering::Relaxed)].name
}

/// Context: boot before other cores run, or the world stopped with
/// interrupts off on this core (module docs).
fn install(row: usize, p: Policy) {
    ROW.store(row, Ordering::Relaxed);
    // SAFETY: the caller's context (above) means nobody reads the cell
    // now and no reference from `policy` is alive.
    unsafe {
        *POLICY.0.get() = Installed {
            fast: Fast::of(&p),
            policy: p,
        }
    };
}

/// Boot: the policy the options name, with their historical switches on
/// top. Bootstrap core, before any other core schedules.
pub fn init(o: &BootOptions) {
    let row = POLICIES
        .iter()
        .position(|r| r.name == o.policy)
        .expect("the option parser accepts registered policies only");
    install(row, o.effective_policy());
}

/// Make `name` the policy in force, keeping the boot options' historical
/// switches on top of it; `Err` with one sentence for an unknown name.
///
/// Context: the world is stopped and interrupts are off on this core
/// (`stw::set_policy` calls this between stopping and starting it).
pub fn set(name: &str, o: &BootOptions) -> Result<(), alloc::string::String> {
    let Some(row) = find(name) else {
        return Err(unknown(name));
    };
    let index = POLICIES
        .iter()
        .position(|r| core::ptr::eq(r, row))
        .expect("found in the list");
    install(index, (row.policy)().with_switches(o));
    Ok(())
}

/// The sentence for a name that is not a registered policy.
pub fn unknown(name: &str) -> alloc::string::String {
    let names: alloc::vec::Vec<&str> = POLICIES.iter().map(|r| r.name).collect();
    alloc::format!("no policy `{name}`: choose one of {}", names.join(", "))
}
