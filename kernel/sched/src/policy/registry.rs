// The one list of scheduling policies: `policy=NAME` (and the runner's
// `policies --policies`) accept exactly these names. One row per policy:
//
//     "name" => file: "one line for --help";
//
// where `file.rs`, beside this one, defines `pub const fn policy() -> Policy` and
// `pub const RATIONALE: &str` (why it is worth comparing, and its source).
// Go's own policy comes first: it is the default. See docs/POLICIES.md.
policies! {
    "go" => go:
        "Go 1.27: runnext, global queue every 61, steal half, half the busy Ps spin, 10 ms";
    "fifo" => fifo:
        "no runnext: a readied G queues at the tail (Go before 1.5)";
    "tokio" => tokio:
        "tokio: LIFO slot capped at 3 runs and never stolen, global queue every 31";
    "tokio-stealable" => tokio_stealable:
        "tokio 1.51 (#7431): the LIFO slot may be stolen on every pass";
    "steal-one" => steal_one:
        "a thief takes one G instead of half the victim's ring";
    "nearest" => nearest:
        "steal from the nearest core first (APIC topology) instead of a random order";
    "spin-one" => spin_one:
        "at most one spinning M at a time";
    "spin-all" => spin_all:
        "no spinning cap: every M that runs dry spins";
    "wake-all" => wake_all:
        "new work wakes a spinning M for every idle P, not only while none spins";
    "slice-1ms" => slice_1ms:
        "a 1 ms time slice instead of 10 ms (golang/go#51071)";
    "small-runq" => small_runq:
        "a 32-entry local ring: it spills to the global queue 8 times sooner";
    "no-steal" => no_steal:
        "no work stealing: only the global queue spreads work (a control)";
    "yours" => yours:
        "the policy of `lab policy` (docs/LABS.md); its reference answer: a 2 ms time slice";
}
