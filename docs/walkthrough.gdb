# gdb commands of docs/WALKTHROUGH.md, run by tests/walkthrough.rs.
# Attach first (symbol-file -o KERNEL_BASE ELF, target remote :PORT), e.g.
#   gdb -batch -ex 'symbol-file -o 0xffffffff80000000 ELF' \
#       -ex 'target remote :1234' -x docs/walkthrough.gdb
# Each core is a gdb thread (QEMU's vCPU); GS base points at that core's M
# (kernel/src/arch/percpu.rs), as Go's TLS slot points at the current g.
# gdb/gmp.py reads the kernel's structures through its debug info: its
# `goroutine` (no argument) says which M and G the selected core runs and
# sets $m, $curg and $goid; `info goroutines`, `goroutine N bt`, `info ps`,
# `info ms`, `info runq P` and `info globrunq` follow Go's runtime-gdb.py
# and Delve.
set pagination off
set confirm off
source gdb/gmp.py
set language rust
define whoami
  goroutine
end

# 1. schedule() on two different cores. Hardware breakpoints: the kernel is
#    copied into memory after QEMU starts.
hbreak gmp_kernel::runtime::scheduler::proc::schedule
set $seen = 0
set $cores = 0
set $stops = 0
while $cores < 2 && $stops < 100
  continue
  printf "walkthrough: schedule on "
  whoami
  if ($seen & (1 << $_thread)) == 0
    set $seen = $seen | (1 << $_thread)
    set $cores = $cores + 1
    bt 3
  end
  set $stops = $stops + 1
end
delete

# 2. findRunnable (the portable part in kernel/sched/src/findrunnable.rs) on
#    two different cores.
hbreak gmp_sched::findrunnable::find_runnable<gmp_kernel::runtime::scheduler::steal::Finder>
set $seen = 0
set $cores = 0
set $stops = 0
while $cores < 2 && $stops < 100
  continue
  printf "walkthrough: findRunnable on "
  whoami
  if ($seen & (1 << $_thread)) == 0
    set $seen = $seen | (1 << $_thread)
    set $cores = $cores + 1
    bt 2
  end
  set $stops = $stops + 1
end
delete

# 3. gostart(): the first instruction of a new G, running on its own stack;
#    the M's current G (m.curg, set by execute) is that G. Print it.
hbreak gmp_kernel::runtime::scheduler::newproc::gostart
continue
printf "walkthrough: gostart on "
whoami
print *$curg
printf "walkthrough: the current G is goid %d\n", $goid
delete

# 4. Every G, M and P at a moment a ring is known to be full: an overflow
#    (runqputslow has just moved half of a 256-slot ring out, so 128 Gs are
#    left in it), once G1, the main G, waits in WaitGroup::wait for the Gs
#    the producers spawn (a producer on the other core may overflow before
#    that): G1's backtrace then comes from its saved context.
hbreak gmp_kernel::runtime::scheduler::queues::runqput_overflow
set $stops = 0
continue
while $goroutine_waiting(1) == 0 && $stops < 50
  continue
  set $stops = $stops + 1
end
printf "walkthrough: info ms\n"
info ms
printf "walkthrough: info ps\n"
info ps
printf "walkthrough: info goroutines\n"
info goroutines
printf "walkthrough: info globrunq\n"
info globrunq
printf "walkthrough: goroutine 1 bt\n"
goroutine 1 bt
printf "walkthrough: end\n"
delete
