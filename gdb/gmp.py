"""gdb commands that know about goroutines, for the gmp-metal kernel.

Loaded by the command `cargo run -- --gdb` prints and by
docs/walkthrough.gdb (`source gdb/gmp.py`). The commands are named after
Go's runtime-gdb.py and Delve's:

    info goroutines        every G: id, status, wait reason, where it is
                           (its M and P, or its queue) and its PC as a
                           symbol; `*` marks the G running on the selected
                           CPU
    goroutine N bt         the backtrace of G N: from its saved context
                           (Gobuf) if it is parked or runnable, on its CPU
                           if it runs; any gdb command works in place of bt
    info ps                every P: status, M, schedtick, runnext and the
                           contents of its ring
    info ms                every M: its CPU (gdb thread), P, current G,
                           whether it spins or is parked
    info runq P            P's runnext and ring, one G per line
    info globrunq          the global run queue, one G per line
    $goroutine_waiting(N)  1 if G N waits, for scripts

Design note: everything is read from the kernel's own statics through its
debug info (`gmp_kernel::runtime::objects::m::ALLM`, `objects::allg`, `allp`,
`objects::sched::SCHED`) by field *name*, and wrappers (atomics, cells,
locks) are looked through rather than spelled out, so the commands keep
working when fields move or a wrapper changes. No offset is copied from the
source. Status and wait-reason names come from the kernel's enums' debug
info too. In QEMU each vCPU is a gdb thread; a core's GS base points at
its M (an M begins with its `PerCpu`), which is how a thread is matched to
an M.
"""

import gdb

RT = "gmp_kernel::runtime::objects"
STRUCTS = (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION)


# ----- reading the kernel's structures --------------------------------------


U64 = (1 << 64) - 1


def reg(name):
    """Register `name` of the selected frame, as an unsigned 64-bit value
    (gdb types some x86-64 registers as signed)."""
    return int(gdb.parse_and_eval("$" + name)) & U64


def rust():
    """Rust paths parse only with the language set to Rust (before the
    first stop gdb has no frame to guess it from)."""
    if gdb.parameter("language") != "rust":
        gdb.execute("set language rust", to_string=True)


def static(path):
    rust()
    return gdb.parse_and_eval(path)


def inner(v):
    """The value inside an atomic, a cell or any one-field wrapper."""
    while True:
        t = v.type.strip_typedefs()
        if t.code not in STRUCTS or len(t.fields()) != 1:
            return v
        v = v[t.fields()[0]]


def num(v):
    return int(inner(v))


def field(v, name):
    """Field `name` of v, or of the structs v wraps (a lock's data, a
    cell's value), breadth first."""
    queue, looked = [v], 0
    while queue and looked < 64:
        cur = queue.pop(0)
        looked += 1
        t = cur.type.strip_typedefs()
        if t.code not in STRUCTS:
            continue
        for f in t.fields():
            if f.name == name:
                return cur[f]
        queue.extend(
            cur[f] for f in t.fields()
            if f.type.strip_typedefs().code in STRUCTS)
    raise gdb.GdbError("no field `%s` in %s" % (name, v.type))


def enum_names(type_name, prefix=""):
    """{value: name} of a C-like enum of the kernel, `prefix` removed."""
    names = {}
    for f in gdb.lookup_type(type_name).fields():
        name = f.name.split("::")[-1]
        if prefix and name.startswith(prefix):
            name = name[len(prefix):]
        names[f.enumval] = name
    return names


def words(camel):
    """ChanReceive -> chan receive (Go's wait reasons are words)."""
    out = ""
    for c in camel:
        out += (" " + c.lower()) if c.isupper() and out else c.lower()
    return out


def deref(ptr):
    """The value `ptr` (a typed pointer, possibly wrapped) points at, or
    None for null."""
    p = inner(ptr)
    return None if int(p) == 0 else p.dereference()


def as_g(ptr):
    """The G an untyped pointer (a core's `curg` word) points at."""
    p = inner(ptr)
    if int(p) == 0:
        return None
    return p.cast(gdb.lookup_type(RT + "::g::G").pointer()).dereference()


def ms():
    """The Ms that exist (ALLM[..mcount]). ALLM is a MaybeUninit array
    written in place at boot (m::init_allm), so it is read as a pointer to
    its first M rather than through the union's fields."""
    m_ptr = gdb.lookup_type(RT + "::m::M").pointer()
    allm = static(RT + "::m::ALLM").address.cast(m_ptr)
    return [allm[i] for i in range(num(static(RT + "::m::MCOUNT")))]


def ps():
    """allp."""
    n = num(static(RT + "::sched::ALLP_LEN"))
    ptr = inner(static(RT + "::sched::ALLP_PTR"))
    return [ptr[i] for i in range(n)]


def allgs():
    """Every G ever created (runtime::objects::allg: chunks of pointers)."""
    n = num(static(RT + "::allg::LEN"))
    chunks = static(RT + "::allg::CHUNKS")
    out = []
    size = None
    for i in range(n):
        if size is None:
            arr = inner(deref(chunks[0]))
            size = arr.type.range()[1] + 1
        chunk = deref(chunks[i // size])
        out.append(deref(inner(chunk)[i % size]))
    return [g for g in out if g is not None]


def addr(v):
    return int(v.address)


def goid(g):
    return num(field(g, "goid"))


def m_id(m):
    return num(field(m, "id"))


def _status(obj, member, enum, prefix):
    """obj.member named by its variant of RT::enum, less the prefix."""
    v = num(field(obj, member))
    return enum_names(RT + enum, prefix).get(v, "status %d" % v)


def g_status(g):
    return _status(g, "atomicstatus", "::g::Gstatus", "G")


def wait_reason(g):
    v = num(field(g, "waitreason"))
    name = enum_names("gmp_sched::waitreason::WaitReason").get(v, "")
    return "" if name == "Zero" else words(name)


def p_status(p):
    return _status(p, "status", "::p::Pstatus", "P")


def gobuf(g):
    """The G's saved registers, {name: value}."""
    buf = inner(field(g, "sched"))
    return {f.name: int(buf[f]) for f in buf.type.strip_typedefs().fields()}


def function_at(pc):
    """The function containing pc (the real one, not an inlined callee),
    as `name+offset`."""
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    outer = None
    while block is not None and not (block.is_global or block.is_static):
        if block.function is not None:
            outer = block
        block = block.superblock
    if outer is None:
        return "%#x" % pc
    return "%s+%d" % (without_generics(outer.function.print_name), pc - outer.start)


def without_generics(name):
    """gmp_kernel::f<T, U> -> gmp_kernel::f (identical instances of a
    generic function share code, so the arguments may name another one)."""
    out, depth = "", 0
    for c in name:
        if c == "<":
            depth += 1
        elif c == ">" and depth > 0:
            depth -= 1
        elif depth == 0:
            out += c
    return out


# ----- where every G is -----------------------------------------------------


def threads_by_m():
    """{M address: gdb thread}: each vCPU's GS base is its M."""
    out = {}
    selected = gdb.selected_thread()
    for t in gdb.selected_inferior().threads():
        t.switch()
        out[reg("gs_base")] = t
    if selected is not None:
        selected.switch()
    return out


def selected_m():
    """Address of the M the selected CPU runs."""
    return reg("gs_base")


def ring(p):
    """(runnext G or None, [ring Gs from head to tail]) of P p."""
    q = field(p, "runq")
    nxt = deref(field(q, "runnext"))
    head, tail = num(field(q, "runqhead")), num(field(q, "runqtail"))
    slots = field(q, "runq")
    size = slots.type.strip_typedefs().range()[1] + 1
    n = (tail - head) % (1 << 32)
    gs = []
    for i in range(min(n, size)):
        g = deref(slots[(head + i) % size])
        if g is not None:
            gs.append(g)
    return nxt, gs


def global_queue():
    """The Gs of the global run queue, head first (runtime::objects::sched::SCHED)."""
    q = field(field(static(RT + "::sched::SCHED"), "runq"), "runq")
    gs, g = [], deref(field(q, "head"))
    while g is not None and len(gs) < 1000000:
        gs.append(g)
        g = deref(field(g, "schedlink"))
    return gs


def queued_where():
    """{G address: "runnext P1" | "runq P1" | "global runq"}."""
    where = {}
    for p in ps():
        nxt, gs = ring(p)
        pid = num(field(p, "id"))
        if nxt is not None:
            where[addr(nxt)] = "runnext P%d" % pid
        for g in gs:
            where[addr(g)] = "runq P%d" % pid
    for g in global_queue():
        where[addr(g)] = "global runq"
    return where


def running_on():
    """{G address: M} for every G some M runs."""
    out = {}
    for m in ms():
        g = as_g(field(m, "curg"))
        if g is not None:
            out[addr(g)] = m
    return out


def p_of(m):
    p = deref(field(m, "p"))
    return None if p is None else num(field(p, "id"))


def g_name(g):
    return "-" if g is None else "G%d" % goid(g)


# ----- the commands -----------------------------------------------------------


class InfoGoroutines(gdb.Command):
    """List every live G: id, status, wait reason, where it is, PC.

Usage: info goroutines
A `*` marks the G running on the selected CPU (gdb thread). Where: M and
P for a running G, its queue for a runnable one. PC: for a G that runs,
the CPU's; otherwise the address its saved context resumes at."""

    def __init__(self):
        super().__init__("info goroutines", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        here = selected_m()
        threads = threads_by_m()
        running = running_on()
        queued = queued_where()
        for g in allgs():
            status = g_status(g)
            if status == "dead":
                continue
            a = addr(g)
            m = running.get(a)
            mark = "*" if m is not None and addr(m) == here else " "
            if m is not None:
                where = "M%d P%s" % (m_id(m), p_of(m))
                t = threads.get(addr(m))
                pc = function_at(int(t_pc(t))) if t is not None else "?"
            else:
                where = queued.get(a, "")
                pc = function_at(gobuf(g)["rip"])
            reason = wait_reason(g) if status == "waiting" else ""
            print("%s %5d %-9s %-20s %-12s %s" %
                  (mark, goid(g), status, reason, where, pc))


def t_pc(thread):
    """The PC of a gdb thread."""
    selected = gdb.selected_thread()
    thread.switch()
    pc = reg("pc")
    selected.switch()
    return pc


REGS = ("rip", "rsp", "rbp", "rbx", "r12", "r13", "r14", "r15")


class Goroutine(gdb.Command):
    """Show the current goroutine, or run a gdb command in goroutine N's context.

Usage: goroutine        the selected CPU's M and G; sets $m (the M),
                        $curg (the G, 0 on g0) and $goid (0 on g0)
       goroutine N bt   (or any command: goroutine N info frame)
A G that runs: the command runs on its CPU's thread. A parked or runnable
G: the CPU's registers are set to the G's saved context (its Gobuf) for
the command and restored after it, as Go's runtime-gdb.py does; the PC is
set to the call that switched the G out (the saved return address less
one), so frame 0 is that call."""

    def __init__(self):
        super().__init__("goroutine", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            current()
            return
        parts = arg.split(None, 1)
        if len(parts) != 2 or not parts[0].isdigit():
            raise gdb.GdbError("usage: goroutine [N COMMAND] (e.g. goroutine 1 bt)")
        n, cmd = int(parts[0]), parts[1]
        g = next((g for g in allgs()
                  if goid(g) == n and g_status(g) != "dead"), None)
        if g is None:
            raise gdb.GdbError("no live goroutine %d (see info goroutines)" % n)
        m = running_on().get(addr(g))
        if m is not None:
            t = threads_by_m().get(addr(m))
            if t is None:
                raise gdb.GdbError("G%d runs on M%d, which no thread runs" % (n, m_id(m)))
            selected = gdb.selected_thread()
            t.switch()
            print("G%d runs on M%d (thread %d)" % (n, m_id(m), t.num))
            try:
                gdb.execute(cmd)
            finally:
                selected.switch()
            return
        buf = gobuf(g)
        # The saved rip is the return address of the call into the switch
        # (mcall); one byte back lies in the call instruction itself, so gdb
        # names the call site, with the functions inlined into it (gopark
        # and its callers), as Go's and Delve's backtraces show a parked G.
        # The unwind rules at the call are those after it: same stack.
        buf["rip"] -= 1
        gdb.newest_frame().select()
        saved = {r: reg(r) for r in REGS}
        language = gdb.parameter("language")
        try:
            set_regs(buf)
            gdb.execute(cmd)
        finally:
            set_regs(saved)
            gdb.execute("set language %s" % language, to_string=True)


def current():
    """Prints the selected CPU's M and G, and sets $m, $curg and $goid."""
    rust()
    here = selected_m()
    if all(addr(m) != here for m in ms()):
        raise gdb.GdbError(
            "this core's GS base (%#x) is no M's yet: it is still booting" % here)
    m_ptr = gdb.Value(here).cast(gdb.lookup_type(RT + "::m::M").pointer())
    m = m_ptr.dereference()
    g = as_g(field(m, "curg"))
    g_ptr = gdb.lookup_type(RT + "::g::G").pointer()
    gdb.set_convenience_variable("m", m_ptr)
    gdb.set_convenience_variable("curg", (g.address if g is not None else gdb.Value(0).cast(g_ptr)))
    gdb.set_convenience_variable("goid", 0 if g is None else goid(g))
    p = p_of(m)
    print("thread %d = M%d, P%s, curg = %s" % (
        gdb.selected_thread().num, m_id(m), "-" if p is None else p,
        "none (g0)" if g is None else "G%d" % goid(g)))


def set_regs(values):
    # C syntax for the assignments: Rust will not assign an integer to $rip.
    gdb.execute("set language c", to_string=True)
    for r in REGS:
        gdb.execute("set $%s = %d" % (r, values[r]), to_string=True)
    gdb.execute("set language rust", to_string=True)


class InfoPs(gdb.Command):
    """List every P: status, M, schedtick, runnext and its ring.

Usage: info ps"""

    def __init__(self):
        super().__init__("info ps", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        for p in ps():
            m = deref(field(p, "m"))
            nxt, gs = ring(p)
            shown = " ".join(g_name(g) for g in gs[:16])
            more = " ..." if len(gs) > 16 else ""
            print("  P%-3d %-8s M%-4s schedtick %-8d runnext %-6s runq[%d] %s%s" % (
                num(field(p, "id")), p_status(p),
                "-" if m is None else m_id(m),
                num(field(p, "schedtick")), g_name(nxt), len(gs), shown, more))


class InfoMs(gdb.Command):
    """List every M: its CPU, P, current G, spinning, parked.

Usage: info ms
`*` marks the M of the selected CPU; parked means on the idle-M list."""

    def __init__(self):
        super().__init__("info ms", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        here = selected_m()
        threads = threads_by_m()
        yes = {True: "yes", False: "no"}
        for m in ms():
            t = threads.get(addr(m))
            p = p_of(m)
            print("%s M%-3d thread %-3s P%-4s curg %-6s spinning %-3s parked %s" % (
                "*" if addr(m) == here else " ", m_id(m),
                "-" if t is None else t.num, "-" if p is None else p,
                g_name(as_g(field(m, "curg"))),
                yes[bool(num(field(m, "spinning")))],
                yes[bool(num(field(m, "idle")))]))


def print_gs(gs):
    for g in gs:
        status = g_status(g)
        reason = wait_reason(g) if status == "waiting" else ""
        print("  G%-5d %-9s %-12s %s" % (
            goid(g), status, reason, function_at(gobuf(g)["rip"])))


class InfoRunq(gdb.Command):
    """List P's runnext and ring, one G per line.

Usage: info runq P   (the P's id, as info ps shows it)"""

    def __init__(self):
        super().__init__("info runq", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        if not arg.strip().lstrip("P").isdigit():
            raise gdb.GdbError("usage: info runq P (a P id, e.g. info runq 0)")
        want = int(arg.strip().lstrip("P"))
        p = next((p for p in ps() if num(field(p, "id")) == want), None)
        if p is None:
            raise gdb.GdbError("no P%d (see info ps)" % want)
        nxt, gs = ring(p)
        print("P%d runnext:" % want)
        print_gs([] if nxt is None else [nxt])
        print("P%d runq (%d, head first):" % (want, len(gs)))
        print_gs(gs)


class InfoGlobrunq(gdb.Command):
    """List the global run queue, head first.

Usage: info globrunq"""

    def __init__(self):
        super().__init__("info globrunq", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        gs = global_queue()
        print("global runq (%d, head first):" % len(gs))
        print_gs(gs)


class GoroutineWaiting(gdb.Function):
    """$goroutine_waiting(N): 1 if G N is waiting (parked), else 0; for
    scripts, e.g. `while $goroutine_waiting(1) == 0` ... `continue` ...
    `end` (in Rust mode `!` is a bitwise not: write `== 0`).
    (A number, not the status's name: comparing strings in a gdb script
    needs memory in the program, which a kernel without malloc lacks.)"""

    def __init__(self):
        super().__init__("goroutine_waiting")

    def invoke(self, n):
        want = int(n)
        return int(any(goid(g) == want and g_status(g) == "waiting"
                       for g in allgs()))


InfoGoroutines()
Goroutine()
GoroutineWaiting()
InfoPs()
InfoMs()
InfoRunq()
InfoGlobrunq()
