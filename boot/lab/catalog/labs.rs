//! The table of labs: for each, its regions and stubs, its host checks
//! (gmp-sched's tests by exact name) and its QEMU checks (runner command
//! lines and what their output must show), in the lecture's order.

use super::tournament::yours_beats_go;
use super::verify::{handed_over_often, overflowed, pipeline_gs, stole};
use super::{HostCheck, Lab, QemuCheck, Region};

const CPUS: &str = "kernel/sched/src/cpus.rs";
const FINDRUNNABLE: &str = "kernel/sched/src/findrunnable.rs";
const RUNQ: &str = "kernel/sched/src/runq/mod.rs";
const STEAL: &str = "kernel/sched/src/runq/steal.rs";

/// `--smp 2 --workload producer-consumer`: 2400 Gs in bursts of 300 that
/// overflow the ring, consumed on both Ps.
const PRODUCER_CONSUMER: QemuCheck = QemuCheck {
    name: "producer-consumer on 2 cores: every G ran exactly once (QEMU, 1 boot)",
    points: 5,
    args: &["--smp", "2", "--workload", "producer-consumer"],
    expect: &[
        "producer-consumer: all 2400 Gs ran exactly once",
        "workload producer-consumer: ok",
    ],
    verify: None,
};

/// A host check made of loom models (`kernel/sched/tests/loom.rs`): every
/// lab that races an owner against stealers gives its models the same
/// 5 points, whatever their number.
macro_rules! loom {
    ($name:literal, $($test:literal),+ $(,)?) => {
        HostCheck {
            name: $name,
            points: 5,
            tests: &[$(("loom", $test)),+],
        }
    };
}

/// The runner's arguments for `workload` on one core and one P, then its
/// boot options: alone there, what runs next is the scheduler's choice
/// only, so a check can count it exactly.
macro_rules! one_p {
    ($workload:literal $(, $opt:literal)* $(,)?) => {
        &["--smp", "1", "--workload", $workload, "procs=1" $(, $opt)*]
    };
}

/// The labs, in the lecture's order.
pub static LABS: &[Lab] = &[
    Lab {
        name: "boot",
        title: "from power-on to the first G: which core becomes which M",
        regions: &[Region {
            id: "boot/core_list",
            file: CPUS,
            stub: "// The bootstrap core is M0, then every other enabled MADT entry in\n\
                   // table order, at most `max`; a duplicated APIC id is refused.\n\
                   let _ = (bsp_apic_id, madt, max);\n\
                   panic!(\"lab boot: not implemented yet\")\n",
        }],
        host: &[
            HostCheck {
                name: "core_list: the bootstrap core is M0, the others follow the MADT",
                points: 10,
                tests: &[
                    ("lib", "cpus::tests::bootstrap_core_first_then_madt_order"),
                    ("lib", "cpus::tests::non_contiguous_ids_kept_as_given"),
                    ("lib", "cpus::tests::single_core_and_empty_madt"),
                ],
            },
            HostCheck {
                name: "core_list: disabled entries skipped, cores over the limit counted",
                points: 5,
                tests: &[
                    ("lib", "cpus::tests::disabled_entries_skipped"),
                    ("lib", "cpus::tests::limit_counts_what_is_left_out"),
                ],
            },
            HostCheck {
                name: "core_list: a duplicated APIC id refused, every M id distinct",
                points: 5,
                tests: &[
                    (
                        "lib",
                        "cpus::tests::duplicate_apic_id_rejected_with_message",
                    ),
                    ("lib", "cpus::tests::every_m_id_distinct"),
                ],
            },
        ],
        qemu: &[QemuCheck {
            name: "6 cores with APIC ids 0,1,2,4,5,6 come online (QEMU, 1 boot)",
            points: 10,
            args: &["--smp", "6,sockets=2,cores=3", "--workload", "boot"],
            expect: &["M3 online (apic 4)", "all 6 Ms online", "workload boot: ok"],
            verify: None,
        }],
    },
    Lab {
        name: "schedule",
        title: "G, M, P and the scheduling loop: the order findRunnable looks in",
        regions: &[Region {
            id: "schedule/find_runnable",
            file: FINDRUNNABLE,
            stub: "// Steps 2 to 5: the local queue, a batch of the global queue, the\n\
                   // netpoller if it is pending, then stealing, but only for an M\n\
                   // that spins or may start to.\n\
                   panic!(\"lab schedule: not implemented yet\")\n",
        }],
        host: &[
            HostCheck {
                name: "findRunnable: the local queue before the global queue",
                points: 10,
                tests: &[
                    (
                        "lib",
                        "findrunnable::tests::other_ticks_prefer_local_then_global_batch",
                    ),
                    (
                        "lib",
                        "findrunnable::tests::fairness_off_never_checks_global_first",
                    ),
                    (
                        "lib",
                        "findrunnable::tests::fairness_tick_with_empty_global_falls_through_to_local",
                    ),
                ],
            },
            HostCheck {
                name: "findRunnable: the netpoller after the local and global queues, before stealing",
                points: 5,
                tests: &[
                    (
                        "lib",
                        "findrunnable::tests::netpoll_after_local_and_global_before_stealing",
                    ),
                    (
                        "lib",
                        "findrunnable::tests::netpoll_is_asked_by_an_m_that_may_not_spin",
                    ),
                ],
            },
            HostCheck {
                name: "findRunnable: steals only while spinning or allowed to spin",
                points: 10,
                tests: &[
                    (
                        "lib",
                        "findrunnable::tests::steals_only_when_allowed_to_spin",
                    ),
                    (
                        "lib",
                        "findrunnable::tests::nothing_anywhere_returns_none_after_trying_everything",
                    ),
                ],
            },
        ],
        qemu: &[PRODUCER_CONSUMER],
    },
    Lab {
        name: "runq",
        title: "the local run queue: runqput and runqget on a lock-free ring",
        regions: &[
            Region {
                id: "runq/put",
                file: RUNQ,
                stub: "// Put gp at the tail of the ring; a full ring goes to runqputslow.\n\
                       let _ = (gp, kicked, Self::runqputslow);\n\
                       panic!(\"lab runq: not implemented yet\")\n",
            },
            Region {
                id: "runq/get",
                file: RUNQ,
                stub: "// Take the G at the head of the ring, or None if it is empty.\n\
                       panic!(\"lab runq: not implemented yet\")\n",
            },
        ],
        host: &[
            HostCheck {
                name: "runqput/runqget: every count 0..=256 in FIFO order, across the u32 wrap",
                points: 10,
                tests: &[("runq_exact", "put_then_get_every_count_in_order")],
            },
            HostCheck {
                name: "runqput/runqget against a reference model (proptest)",
                points: 5,
                tests: &[("runq_model", "model_n8")],
            },
            loom!(
                "runqput/runqget beside stealers, every interleaving (loom)",
                "owner_put_get_with_one_stealer",
                "steal_from_a_thief_while_it_runs",
                "runnext_stolen_vs_owner_runqget",
            ),
        ],
        qemu: &[PRODUCER_CONSUMER],
    },
    Lab {
        name: "overflow",
        title: "runqputslow: half the ring plus one to the global queue",
        regions: &[Region {
            id: "overflow/runqputslow",
            file: RUNQ,
            stub: "// Claim the first N/2 Gs of the full ring with one CAS on runqhead and\n\
                   // return them, then gp, linked in order; None if the CAS fails.\n\
                   let _ = (gp, h, t);\n\
                   panic!(\"lab overflow: not implemented yet\")\n",
        }],
        host: &[
            HostCheck {
                name: "runqputslow: the 257th put moves 128 + 1 Gs, in order",
                points: 10,
                tests: &[
                    ("runq_exact", "overflow_moves_half_plus_one_in_order"),
                    ("runq_exact", "runnext_kick_into_full_ring_overflows"),
                ],
            },
            HostCheck {
                name: "runqputslow: repeated overflows lose no G",
                points: 5,
                tests: &[("runq_exact", "repeated_overflow_loses_nothing")],
            },
            loom!(
                "overflow beside a stealer, every interleaving (loom)",
                "overflow_to_global_under_concurrent_steal"
            ),
        ],
        qemu: &[QemuCheck {
            name: "producer-consumer on 2 cores overflows to the global queue (QEMU, 1 boot)",
            points: 5,
            args: &["--smp", "2", "--workload", "producer-consumer"],
            expect: &[
                "producer-consumer: all 2400 Gs ran exactly once",
                "workload producer-consumer: ok",
            ],
            verify: Some(overflowed),
        }],
    },
    Lab {
        name: "runnext",
        title: "runnext: the G readied by the running G runs next",
        regions: &[
            Region {
                id: "runnext/put",
                file: RUNQ,
                stub: "if next {\n    \
                       // gp goes into runnext; the G it displaces goes to the ring.\n    \
                       let _ = (&mut gp, &mut kicked);\n    \
                       panic!(\"lab runnext: not implemented yet\");\n\
                       }\n",
            },
            Region {
                id: "runnext/swap",
                file: RUNQ,
                stub: "// Store gp in runnext and return the G that was there.\n\
                       let _ = gp;\n\
                       panic!(\"lab runnext: not implemented yet\")\n",
            },
            Region {
                id: "runnext/get",
                file: RUNQ,
                stub: "if !self.runnext.load(Relaxed).is_null() {\n    \
                       // Take runnext before the ring; it inherits the time slice.\n    \
                       panic!(\"lab runnext: not implemented yet\");\n\
                       }\n",
            },
        ],
        host: &[
            HostCheck {
                name: "runqput(next): the old runnext is kicked to the tail, never lost",
                points: 10,
                tests: &[
                    ("runq_exact", "runnext_replaces_and_kicks_old_to_tail"),
                    (
                        "runq_exact",
                        "traced_variants_report_kicks_and_runnext_steals",
                    ),
                ],
            },
            HostCheck {
                name: "runqget: runnext first, then the ring",
                points: 5,
                tests: &[("runq_exact", "runqdrain_takes_runnext_then_ring")],
            },
            loom!(
                "runnext taken by a stealer and by its owner at once (loom)",
                "runnext_stolen_vs_owner_runqget"
            ),
        ],
        qemu: &[QemuCheck {
            name: "a G readied by a send runs before 128 queued Gs (QEMU, 1 boot)",
            points: 10,
            args: one_p!("test-runnext", "preempt=off"),
            expect: &[
                "runnext=on: the G readied by a channel send ran after 0 of the 128 Gs",
                "workload test-runnext: ok",
            ],
            verify: None,
        }],
    },
    Lab {
        name: "fairness",
        title: "the 1-in-61 check: the global queue is never starved",
        regions: &[Region {
            id: "fairness/check61",
            file: FINDRUNNABLE,
            stub: "if s.fairness_enabled() {\n    \
                   // Every 61st schedtick, one G from the global queue first.\n    \
                   panic!(\"lab fairness: not implemented yet\");\n\
                   }\n",
        }],
        host: &[
            HostCheck {
                name: "every 61st tick takes one G from the global queue first",
                points: 10,
                tests: &[(
                    "lib",
                    "findrunnable::tests::every_61st_tick_takes_global_before_local",
                )],
            },
            HostCheck {
                name: "other ticks, an empty global queue and fairness61=off do not",
                points: 5,
                tests: &[
                    (
                        "lib",
                        "findrunnable::tests::other_ticks_prefer_local_then_global_batch",
                    ),
                    (
                        "lib",
                        "findrunnable::tests::fairness_tick_with_empty_global_falls_through_to_local",
                    ),
                    (
                        "lib",
                        "findrunnable::tests::fairness_off_never_checks_global_first",
                    ),
                ],
            },
        ],
        qemu: &[QemuCheck {
            name: "a respawn chain does not starve a G in the global queue (QEMU, 1 boot)",
            points: 10,
            args: one_p!("test-fairness", "preempt=off", "runnext=off"),
            expect: &[
                "fairness61=on: the G waiting in the global queue ran",
                "workload test-fairness: ok",
            ],
            verify: None,
        }],
    },
    Lab {
        name: "steal",
        title: "work stealing: runqgrab takes half, in a coprime order",
        regions: &[
            Region {
                id: "steal/grab",
                file: STEAL,
                stub: "// Claim half of the ring, rounded up (at most max), with one CAS on runqhead;\n\
                       // from an empty ring take runnext instead when steal_runnext (after pause()).\n\
                       let _ = (steal_runnext, max, &mut pause, &mut put);\n\
                       panic!(\"lab steal: not implemented yet\")\n",
            },
            Region {
                id: "steal/order",
                file: "kernel/sched/src/stealorder.rs",
                stub: "// Keep count and every stride in 1..=count coprime with it.\n\
                       let _ = count;\n\
                       panic!(\"lab steal: not implemented yet\")\n",
            },
        ],
        host: &[
            HostCheck {
                name: "runqsteal: takes half, rounded up, for every count 0..=256",
                points: 10,
                tests: &[
                    ("runq_exact", "steal_takes_half_rounded_up_every_count"),
                    ("runq_exact", "runqgrab_into_buffer"),
                ],
            },
            HostCheck {
                name: "runqsteal: runnext only from an empty ring, after the pause",
                points: 5,
                tests: &[(
                    "runq_exact",
                    "steal_runnext_only_when_ring_empty_and_allowed",
                )],
            },
            loom!("two stealers never take the same G (loom)", "two_stealers"),
            HostCheck {
                name: "steal order: the coprime strides visit every P once per pass",
                points: 5,
                tests: &[
                    (
                        "policy",
                        "coprimes_are_exactly_the_strides_coprime_with_count",
                    ),
                    ("policy", "every_enumeration_visits_each_p_exactly_once"),
                ],
            },
        ],
        qemu: &[QemuCheck {
            name: "producer-consumer on 4 cores steals, and steals balance (QEMU, 1 boot)",
            points: 5,
            args: &["--smp", "4", "--workload", "producer-consumer"],
            expect: &["workload producer-consumer: ok"],
            verify: Some(stole),
        }],
    },
    Lab {
        name: "spinning",
        title: "spinning Ms and wakep: one new spinner at a time, at most half the busy Ps",
        regions: &[
            Region {
                id: "spinning/limit",
                file: "kernel/sched/src/spinning.rs",
                stub: "// At most half of the busy Ps may have a spinning M.\n\
                       let _ = (nmspinning, gomaxprocs, npidle);\n\
                       panic!(\"lab spinning: not implemented yet\")\n",
            },
            Region {
                id: "spinning/wakep",
                file: "kernel/src/runtime/scheduler/mpark.rs",
                stub: "// Claim the one spinner slot (nmspinning 0 -> 1), then start an M spinning\n\
                       // with an idle P, or give the claim back if there is none.\n\
                       panic!(\"lab spinning: not implemented yet\")\n",
            },
        ],
        host: &[HostCheck {
            name: "the spinning limit: 2*nmspinning < gomaxprocs - npidle",
            points: 10,
            tests: &[("policy", "spinning_limit_is_half_the_busy_ps")],
        }],
        qemu: &[QemuCheck {
            name: "4 Gs in lock-step on 4 Ps with preempt=off: wakep must start Ms (QEMU, 1 boot)",
            points: 10,
            args: &[
                "--smp",
                "4",
                "--workload",
                "test-parallelism",
                "preempt=off",
            ],
            expect: &[
                "parallelism: 4 Gs ran simultaneously on 4 Ps",
                "workload test-parallelism: ok",
            ],
            verify: None,
        }],
    },
    Lab {
        name: "preempt",
        title: "preemption: sysmon's retake ends a time slice with preemptone",
        regions: &[Region {
            id: "preempt/retake",
            file: "kernel/src/runtime/scheduler/sysmon.rs",
            stub: "if s == Pstatus::Prunning || s == Pstatus::Psyscall {\n    \
                   // A P still on the same schedtick after forcepreempt_ns: preemptone.\n    \
                   let _ = (pd, mode, forcepreempt_ns, &mut sysretake);\n    \
                   panic!(\"lab preempt: not implemented yet\");\n\
                   }\n",
        }],
        host: &[],
        qemu: &[
            QemuCheck {
                name: "a loop {} G does not starve another on one P (QEMU, 1 boot)",
                points: 10,
                args: &["--smp", "2", "--workload", "test-hog", "procs=1"],
                expect: &[
                    "hog: preempt=async victim ran while the hog was spinning: yes",
                    "workload test-hog: ok",
                ],
                verify: None,
            },
            QemuCheck {
                name: "forcepreempt=2ms hands one P between two hogs (QEMU, 1 boot)",
                points: 10,
                args: one_p!("test-timeslice", "forcepreempt=2ms"),
                expect: &["workload test-timeslice: ok"],
                verify: Some(handed_over_often),
            },
            QemuCheck {
                name: "preempt=off never preempts (QEMU, 1 boot)",
                points: 5,
                args: one_p!("test-timeslice", "forcepreempt=2ms", "preempt=off"),
                expect: &["handed it over 0 times", "workload test-timeslice: ok"],
                verify: None,
            },
        ],
    },
    Lab {
        name: "workload",
        title: "scheduling is producer–consumer: a pipeline written with the runtime API",
        regions: &[Region {
            id: "workload/run",
            file: "kernel/src/workloads/labs/pipeline.rs",
            stub: "// A generator G, WORKERS squaring Gs and the main G summing, joined by\n\
                   // two channels of CAPACITY (docs/LABS.md, lab workload).\n\
                   panic!(\"lab workload: not implemented yet\")\n",
        }],
        host: &[],
        qemu: &[
            QemuCheck {
                name: "lab-pipeline on 4 cores: the right sum, every number once (QEMU, 1 boot)",
                points: 10,
                args: &["--smp", "4", "--workload", "lab-pipeline"],
                expect: &[
                    "pipeline: 10000 numbers through 4 workers: sum of squares 333383335000",
                    "workload lab-pipeline: ok",
                ],
                verify: Some(pipeline_gs),
            },
            QemuCheck {
                name: "lab-pipeline on one P (QEMU, 1 boot)",
                points: 5,
                args: &["--smp", "2", "--workload", "lab-pipeline", "procs=1"],
                expect: &[
                    "pipeline: 10000 numbers through 4 workers: sum of squares 333383335000",
                    "workload lab-pipeline: ok",
                ],
                verify: None,
            },
        ],
    },
    Lab {
        name: "policy",
        title: "a policy of your own: halve Go's wake-up p99 beside CPU hogs, lose little elsewhere",
        regions: &[Region {
            id: "policy/yours",
            file: "kernel/sched/src/policy/yours.rs",
            stub: "// Which decision bounds how long a G readied beside a CPU hog waits?\n\
                   // (docs/POLICIES.md lists them; start from Go's: super::go::policy().)\n\
                   panic!(\"lab policy: not implemented yet\")\n",
        }],
        host: &[HostCheck {
            name: "yours is a sound policy, and not Go's",
            points: 5,
            tests: &[(
                "lib",
                "policy::tests::yours_is_a_sound_policy_other_than_gos",
            )],
        }],
        qemu: &[QemuCheck {
            name: "the tournament: wake-p99 on tour-server at most half Go's, insn/unit elsewhere within 5 % (QEMU, 6 boots)",
            points: 15,
            args: &[
                "policies",
                "--policies",
                "go,yours",
                "--workloads",
                "tour-server,tour-pc,tour-pipeline",
                "--smp",
                "4",
                "--out",
                "target/lab-policy",
            ],
            expect: &["policies.json"],
            verify: Some(yours_beats_go),
        }],
    },
];
