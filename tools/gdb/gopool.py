# gdb commands for programs built with gopool: see the goroutines of a live process or of a
# core file, and the backtrace of a parked goroutine.
#
#   (gdb) source /usr/local/share/gopool/gdb/gopool.py   # installed with the package
#   (gdb) info goroutines
#   (gdb) goroutine 12 bt
#
# `info goroutines` lists every live goroutine: id, state, wait reason, time waiting, label
# (the pool it works for, when it has one), group (the TaskGroup whose task it runs) and
# creation site. `goroutine <id> bt [count]`
# unwinds a goroutine that is not running from the context it saved when it switched out. It
# writes no register (a core file has none to write): a frame unwinder hands gdb the saved
# registers as the caller of the selected thread's innermost frame, and gdb's own unwinder
# takes it from there. <id> may be any expression gdb can evaluate.
#
# The runtime is found through its symbols (the scheduler's g_sched and its list allgs), so the
# program needs debug info for gopool (RelWithDebInfo or Debug). The layout of a saved context
# is the one the switch (raw_switch in pool/runtime/context_switch.hpp on x86-64,
# switch_aarch64.S on AArch64) pushes and make_context() lays out.
#
# Loading it in every gdb session: put `source <prefix>/share/gopool/gdb/gopool.py` in
# ~/.gdbinit (tools/gdb/README.md has the details). In a program without gopool the commands
# only say that the runtime's symbols are missing.

import re

import gdb
import gdb.unwinder

_SCHED_SYMBOL = "gopool::detail::(anonymous namespace)::g_sched"
_CLOCK_SYMBOL = "gopool::detail::(anonymous namespace)::g_coarse_now"

# Where the switch leaves each register it saves, as 8-byte slots above the saved stack
# pointer, and how many bytes the switch pushed (the caller's stack pointer is sp + that).
_SAVED_CONTEXT = {
    "x86_64": {
        # raw_switch (context_switch.hpp): control words, rbp, resume address, then the
        # 128-byte red zone it stepped over. The other registers are the caller's to save.
        "pushed": 24 + 128,
        "slots": {"rbp": 1, "rip": 2},
        "sp": "rsp",
        "pc": "rip",
    },
    "aarch64": {
        "pushed": 176,
        "slots": dict([("x%d" % (19 + i), i) for i in range(10)] + [("x29", 10), ("x30", 11), ("pc", 11)]),
        "sp": "sp",
        "pc": "pc",
    },
}


def _arch():
    name = gdb.selected_inferior().architecture().name()
    if "x86-64" in name or "x86_64" in name:
        return "x86_64"
    if "aarch64" in name:
        return "aarch64"
    raise gdb.GdbError("gopool: no saved-context layout for architecture %s" % name)


def _lookup(name):
    """The value of a global or file-static variable of the runtime, or None. Through the
    expression evaluator: a symbol's own value() reads the file's copy in a core, not the
    process's."""
    try:
        return gdb.parse_and_eval("'%s'" % name)
    except gdb.error:
        return None


def _load(value):
    """The value held by a std::atomic<T> (libstdc++ and libc++ keep T at offset 0)."""
    t = value.type.strip_typedefs()
    if t.name is not None and t.name.startswith("std::atomic<"):
        inner = t.template_argument(0)
        return value.address.cast(inner.pointer()).dereference()
    return value


def _enum_name(value):
    return str(value).rsplit("::", 1)[-1]


def _vector_items(vec):
    """The elements of a std::vector (libstdc++ or libc++)."""
    try:
        begin, end = vec["_M_impl"]["_M_start"], vec["_M_impl"]["_M_finish"]
    except gdb.error:
        begin, end = vec["__begin_"], vec["__end_"]
    return [(begin + i).dereference() for i in range(int(end - begin))]


def _string(ptr):
    if int(ptr) == 0:
        return None
    try:
        return ptr.string()
    except gdb.error:
        return "<unreadable>"


def _sched():
    sched = _lookup(_SCHED_SYMBOL)
    if sched is None:
        raise gdb.GdbError(
            "gopool: no symbol %s; is the program linked with gopool and built with debug info?"
            % _SCHED_SYMBOL
        )
    ptr = _load(sched)
    if int(ptr) == 0:
        return None
    return ptr.dereference()


class Goroutine:
    """What `info goroutines` shows of one G, read from the inferior."""

    def __init__(self, g, now):
        self.g = g
        self.id = int(_load(g["id"]))
        self.state = _enum_name(_load(g["status"]))
        self.reason = None
        self.waiting_ns = None
        if self.state == "waiting":
            self.reason = _enum_name(_load(g["wait_reason"]))
            since = int(_load(g["wait_since"]))
            if now is not None and since != 0:
                self.waiting_ns = max(0, now - since)
        label = _load(g["label"])
        self.label = _string(label)
        self.group = _string(_load(g["group"]))
        self.site = None
        where = _load(g["where"])
        impl = where["_M_impl"]  # libstdc++'s std::source_location
        if int(impl) != 0:
            impl = impl.dereference()
            self.site = "%s:%d" % (_string(impl["_M_file_name"]), int(impl["_M_line"]))
            self.function = _string(impl["_M_function_name"])

    def saved_sp(self):
        return int(self.g["ctx"]["sp"])


def goroutines():
    """Every live goroutine (not idle, not dead), by id."""
    sched = _sched()
    if sched is None:
        return []
    clock = _lookup(_CLOCK_SYMBOL)
    now = int(_load(clock)) if clock is not None else None
    if now == 0:
        now = None
    out = []
    missing = 0
    for gp in _vector_items(sched["allgs"]):
        if int(gp) == 0:
            continue
        if int(gp.dereference()["stack"]["base"]) == 0:
            missing += 1  # a G lives at the top of its own stack: that memory is not readable
            continue
        g = Goroutine(gp.dereference(), now)
        if g.state in ("idle", "dead"):
            continue
        out.append(g)
    if missing:
        print(
            "warning: %d goroutines' stacks are not in this core or process image. gcore cannot "
            "read stacks below kernel guard markers (Linux 6.13+); a core the kernel writes has "
            "them, or start the runtime with RuntimeOptions::stack_guard_markers = false." % missing
        )
    out.sort(key=lambda g: g.id)
    return out


def _duration(ns):
    if ns is None:
        return "-"
    for unit, scale in (("h", 3600e9), ("min", 60e9), ("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return "%.1f%s" % (ns / scale, unit)
    return "%dns" % ns


class InfoGoroutines(gdb.Command):
    """info goroutines: every live goroutine of the gopool runtime.

Columns: id, state (runnable, running, waiting), wait reason, time waiting (as of the runtime's
coarse clock, which ticks every few ms while the program runs), label (the pool a worker
serves), group (the TaskGroup whose task it runs) and creation site (file:line of the go()/post()/submit() that made it)."""

    def __init__(self):
        super().__init__("info goroutines", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        gs = goroutines()
        if not gs:
            print("no goroutines (the gopool runtime has not started)")
            return
        rows = [("Id", "State", "Wait reason", "Waiting", "Label", "Group", "Created at")]
        for g in gs:
            rows.append(
                (str(g.id), g.state, g.reason or "-", _duration(g.waiting_ns), g.label or "-",
                 g.group or "-", g.site or "?")
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        for r in rows:
            print("  ".join(r[i].ljust(widths[i]) for i in range(len(widths))) + "  " + r[-1])
        print("%d goroutines" % len(gs))


class _FrameId:
    def __init__(self, sp, pc):
        self.sp = sp
        self.pc = pc


class _SavedContextUnwinder(gdb.unwinder.Unwinder):
    """While `goroutine <id> bt` runs: the caller of the innermost frame is the goroutine's
    saved context. Does nothing otherwise."""

    def __init__(self):
        super().__init__("gopool-saved-context")
        self.registers = None  # name -> value, while a goroutine's backtrace is taken
        self.layout = None

    def __call__(self, pending):
        if self.registers is None or pending.level() != 0:
            return None
        sp = pending.read_register(self.layout["sp"])
        pc = pending.read_register(self.layout["pc"])
        info = pending.create_unwind_info(_FrameId(sp, pc))
        for name, value in self.registers.items():
            info.add_saved_register(name, gdb.Value(value).cast(pending.read_register(name).type))
        return info


_unwinder = _SavedContextUnwinder()
gdb.unwinder.register_unwinder(None, _unwinder, replace=True)


def saved_registers(sp, arch):
    """The registers a goroutine switched out at sp resumes with."""
    layout = _SAVED_CONTEXT[arch]
    mem = gdb.selected_inferior().read_memory(sp, layout["pushed"])
    word = lambda i: int.from_bytes(bytes(mem[8 * i : 8 * i + 8]), "little")
    regs = {name: word(slot) for name, slot in layout["slots"].items()}
    regs[layout["sp"]] = sp + layout["pushed"]
    return regs


def goroutine_backtrace(g, limit=None):
    """The text of gdb's backtrace of a goroutine that is not running, frames numbered from 0."""
    if g.state == "running":
        raise gdb.GdbError(
            "goroutine %d is running on a thread: its stack is that thread's (thread apply all bt)" % g.id
        )
    sp = g.saved_sp()
    if sp == 0:
        raise gdb.GdbError("goroutine %d has no saved context" % g.id)
    if gdb.selected_thread() is None:
        raise gdb.GdbError("no thread selected: run the program, attach or load a core first")
    arch = _arch()
    _unwinder.layout = _SAVED_CONTEXT[arch]
    _unwinder.registers = saved_registers(sp, arch)
    gdb.invalidate_cached_frames()
    try:
        text = gdb.execute("backtrace" if limit is None else "backtrace %d" % (limit + 1), to_string=True)
    finally:
        _unwinder.registers = None
        gdb.invalidate_cached_frames()
    out = []
    for line in text.splitlines()[1:]:  # frame 0 is the thread's own
        m = re.match(r"#(\d+)\s+(.*)", line)
        if m:
            line = "#%-3d%s" % (int(m.group(1)) - 1, m.group(2))
        out.append(line)
    return "\n".join(out)


class GoroutineCommand(gdb.Command):
    """goroutine <id> bt [count]: the backtrace of a goroutine that is not running.

<id> is a goroutine id as `info goroutines` lists it (any expression). count limits the frames."""

    def __init__(self):
        super().__init__("goroutine", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        words = gdb.string_to_argv(arg)
        if len(words) < 2 or words[-1] != "bt" and (len(words) < 3 or words[-2] != "bt"):
            raise gdb.GdbError("usage: goroutine <id> bt [count]")
        limit = None
        if words[-1] != "bt":
            limit = int(words[-1])
            words = words[:-1]
        wanted = int(gdb.parse_and_eval(" ".join(words[:-1])))
        for g in goroutines():
            if g.id == wanted:
                header = "goroutine %d [%s%s]" % (g.id, g.state, ", " + g.reason if g.reason else "")
                if g.site:
                    header += ", created at %s" % g.site
                print(header + ":")
                print(goroutine_backtrace(g, limit))
                return
        raise gdb.GdbError("no live goroutine with id %d (see info goroutines)" % wanted)


InfoGoroutines()
GoroutineCommand()
