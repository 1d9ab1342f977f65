//! `gmp-linux-bench OP N`: the Linux-threads benchmarks of
//! `gmp-metal bench --compare`, runnable on their own (see
//! `gmp_metal::bench::linux`).

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = gmp_metal::bench::linux::main_with(&args);
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
