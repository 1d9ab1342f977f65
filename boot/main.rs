fn main() {
    let st = std::process::Command::new("qemu-system-x86_64")
        .args([
            "-drive",
            &format!("format=raw,file={}", gmp_metal::BIOS_IMAGE),
            "-serial",
            "stdio",
            "-display",
            "none",
            "-device",
            "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-smp",
            "4",
            "--no-reboot",
        ])
        .status()
        .unwrap();
    println!("qemu exit {st:?}");
}
