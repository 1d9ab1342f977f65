use super::*;

const SAMPLE: &str = "\
BdsDxe: loading Boot0001
gmp-metal: all 2 Ms online
BENCH-ENV cores=2 procs=2 accel=tcg icount=on cpu=\"QEMU TCG CPU version 2.5+\" tsc_hz=1000000000 unit=insn
BENCH switch-raw unit=insn reps=1000 median=21 p99=21 min=21 desc=\"raw context switch, no scheduler, per switch\"
BENCH gosched-pingpong unit=insn reps=1000 median=160.5 p99=170 min=158 desc=\"two Gs on one P yielding\"
BENCH mem-parked-g unit=bytes reps=1 median=4096 p99=4096 min=4096 desc=\"frame+heap per parked G\" gs=100000
BENCH-NOTE mem-parked-g frames=4096 heap=512 max_parked=1_200_000 with 2 GiB
BENCH-DONE
workload bench: ok
";

#[test]
fn a_full_sample_is_read_with_every_field() {
    let r = parse(SAMPLE).unwrap();
    let env = r.env.as_ref().unwrap();
    assert_eq!(env.cores, 2);
    assert_eq!(env.procs, 2);
    assert_eq!(env.accel, "tcg");
    assert!(env.icount);
    assert_eq!(env.cpu, "QEMU TCG CPU version 2.5+");
    assert_eq!(env.tsc_hz, 1_000_000_000);
    assert_eq!(env.unit, Unit::Insn);
    assert_eq!(r.benches.len(), 3);
    let g = r.bench("gosched-pingpong").unwrap();
    assert_eq!(g.unit, Unit::Insn);
    assert_eq!(g.reps, 1000);
    assert_eq!((g.min, g.median, g.p99), (158.0, 160.5, 170.0));
    assert_eq!(g.desc, "two Gs on one P yielding");
    let m = r.bench("mem-parked-g").unwrap();
    assert_eq!(m.unit, Unit::Bytes);
    assert_eq!(m.extra.get("gs").map(String::as_str), Some("100000"));
    assert!(r.done);
    let note = r.notes_for("mem-parked-g").next().unwrap();
    assert_eq!(
        note.text,
        "frames=4096 heap=512 max_parked=1_200_000 with 2 GiB"
    );
    let nums: Vec<_> = note.numbers().collect();
    assert_eq!(
        nums,
        vec![
            ("frames", 4096.0),
            ("heap", 512.0),
            ("max_parked", 1_200_000.0)
        ]
    );
}

#[test]
fn ordinary_log_lines_are_ignored_and_done_is_optional() {
    let r = parse("hello\nBENCHMARKS are next\nworkload bench: ok\n").unwrap();
    assert_eq!(r, KernelReport::default());
    assert!(!r.done);
}

#[test]
fn carriage_returns_are_tolerated() {
    let r =
        parse("BENCH x unit=ns reps=3 median=2 p99=3 min=1 desc=\"d\"\r\nBENCH-DONE\r\n").unwrap();
    assert_eq!(r.benches[0].desc, "d");
    assert!(r.done);
}

fn error_of(text: &str) -> ParseError {
    parse(text).expect_err(text)
}

#[test]
fn malformed_bench_lines_are_rejected_with_the_reason() {
    let cases: &[(&str, &str)] = &[
        ("BENCH", "missing benchmark name"),
        (
            "BENCH x unit=ns reps=3 median=2 p99=3 desc=\"d\"",
            "missing min=",
        ),
        (
            "BENCH x unit=parsecs reps=3 median=2 p99=3 min=1 desc=d",
            "unit=\"parsecs\"",
        ),
        (
            "BENCH x unit=ns reps=0 median=2 p99=3 min=1 desc=d",
            "reps=\"0\" is not a positive count",
        ),
        (
            "BENCH x unit=ns reps=3 median=fast p99=3 min=1 desc=d",
            "median=\"fast\"",
        ),
        (
            "BENCH x unit=ns reps=3 median=-2 p99=3 min=1 desc=d",
            "median=\"-2\"",
        ),
        (
            "BENCH x unit=ns reps=3 median=NaN p99=3 min=1 desc=d",
            "median=\"NaN\"",
        ),
        (
            "BENCH x unit=ns reps=3 median=2 p99=3 min=1 desc=\"open",
            "desc: unterminated quote",
        ),
        (
            "BENCH x unit=ns reps=3 median=2 p99=3 min=1 desc=\"a\"b",
            "after the closing quote",
        ),
        (
            "BENCH x unit=ns unit=ns reps=3 median=2 p99=3 min=1 desc=d",
            "unit given twice",
        ),
        (
            "BENCH x unit=ns reps=3 median=2 p99=3 min=1 desc=d stray",
            "\"stray\" is not key=value",
        ),
        (
            "BENCH x unit=ns reps=3 median=5 p99=3 min=1 desc=d",
            "min <= median <= p99",
        ),
        ("BENCH a=b unit=ns", "is not a benchmark name"),
        (
            "BENCH-ENV cores=2 procs=2 accel=hvf icount=on cpu=x tsc_hz=1 unit=insn",
            "tcg or kvm",
        ),
        (
            "BENCH-ENV cores=2 procs=2 accel=tcg icount=yes cpu=x tsc_hz=1 unit=insn",
            "on or off",
        ),
        (
            "BENCH-ENV cores=2 procs=2 accel=tcg icount=on cpu=x tsc_hz=1 unit=bytes",
            "insn or ns",
        ),
        (
            "BENCH-ENV cores=two procs=2 accel=tcg icount=on cpu=x tsc_hz=1 unit=ns",
            "cores=",
        ),
        (
            "BENCH-ENV procs=2 accel=tcg icount=on cpu=x tsc_hz=1 unit=ns",
            "missing cores=",
        ),
        ("BENCH-NOTE", "missing benchmark name"),
        ("BENCH-DONE now", "takes no fields"),
    ];
    for (line, why) in cases {
        let e = error_of(&format!("boot\n{line}\n"));
        assert_eq!(e.line_no, 2, "{line}");
        assert_eq!(e.line, *line);
        assert!(e.why.contains(why), "{line}: {:?} lacks {why:?}", e.why);
        assert!(e.to_string().starts_with("serial line 2: "), "{e}");
    }
}

#[test]
fn duplicates_are_rejected() {
    let env = "BENCH-ENV cores=1 procs=1 accel=kvm icount=off cpu=c tsc_hz=3 unit=ns";
    assert!(
        error_of(&format!("{env}\n{env}\n"))
            .why
            .contains("second BENCH-ENV")
    );
    let b = "BENCH y unit=ns reps=1 median=1 p99=1 min=1 desc=d";
    assert!(
        error_of(&format!("{b}\n{b}\n"))
            .why
            .contains("reported twice")
    );
}

#[test]
fn fields_reads_quotes_and_plain_words() {
    let m = fields(r#"a=1 b="two words"  c= d="""#).unwrap();
    assert_eq!(m["a"], "1");
    assert_eq!(m["b"], "two words");
    assert_eq!(m["c"], "");
    assert_eq!(m["d"], "");
    assert!(fields("=3").is_err());
    assert!(fields("a=b\"c").is_err());
}

#[test]
fn skips_are_kept_and_boots_merge() {
    let mut a = parse(
        "BENCH-ENV cores=2 procs=1 accel=tcg icount=on cpu=c tsc_hz=1 unit=insn\n\
         BENCH a unit=insn reps=1 median=1 p99=1 min=1 desc=d\n\
         BENCH-SKIP wake-latency needs procs>=2 (booted with procs=1)\n\
         BENCH-DONE\n",
    )
    .unwrap();
    assert_eq!(a.skips.len(), 1);
    assert_eq!(a.skips[0].name, "wake-latency");
    assert_eq!(a.skips[0].text, "needs procs>=2 (booted with procs=1)");
    let b = parse(
        "BENCH-ENV cores=2 procs=2 accel=tcg icount=on cpu=c tsc_hz=1 unit=insn\n\
         BENCH b unit=insn reps=1 median=1 p99=1 min=1 desc=d\n",
    )
    .unwrap();
    let mut whole = KernelReport::default();
    whole.merge(a.clone()).unwrap();
    assert!(whole.done);
    whole.merge(b).unwrap();
    assert_eq!(
        whole.env.as_ref().unwrap().procs,
        1,
        "the first boot's env is kept"
    );
    assert_eq!(whole.benches.len(), 2);
    assert!(!whole.done, "the second boot did not finish");
    let dup = parse("BENCH a unit=insn reps=1 median=1 p99=1 min=1 desc=d\n").unwrap();
    assert!(a.merge(dup).unwrap_err().contains("two boots"));
    assert!(
        error_of("BENCH-SKIP\n")
            .why
            .contains("missing benchmark name")
    );
}
