// Seeing inside a running program: the goroutine dump (text and JSON), the dump on SIGQUIT,
// and the counters of the runtime, the OS and the pools in one call.
//
//   gopool::debug::dump(std::cerr);                 // every goroutine, as Go's traceback
//   gopool::debug::install_signal_dump();           // kill -QUIT <pid> prints it; carries on
//   auto s = gopool::debug::stats();                // green vs OS context switches, pools...
//
// GOPOOL_TRACEBACK=1 in the environment installs the signal dump at start-up in every program
// that includes this header (or gopool.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <source_location>
#include <string>
#include <vector>

#include "gopool/detail/goroutine_info.hpp"
#include "gopool/detail/wait_state.hpp"
#include "gopool/export.hpp"
#include "gopool/pool_stats.hpp"
#include "gopool/runtime_stats.hpp"

namespace gopool {

namespace detail {
class PoolBase;
}  // namespace detail

namespace debug {

// WaitReason: why a goroutine waits (chan receive, select, sleep, mutex, ...); to_string()
// gives its text.
using ::gopool::detail::WaitReason;

// GoroutineState: runnable, running or waiting, as in Go's tracebacks.
using ::gopool::detail::GoroutineState;

// to_string: the text of a wait reason ("chan receive", "select", ...), as the dump shows it.
using ::gopool::detail::to_string;

// to_string: "runnable", "running" or "waiting"; "unknown" for a value outside the enum. Call
// it qualified (gopool::debug::to_string): the enum lives in gopool::detail.
GOPOOL_API const char* to_string(GoroutineState state) noexcept;

// GoroutineRecord: one goroutine as a dump shows it. A copy: it stays valid after the goroutine
// has finished.
struct GoroutineRecord {
  std::uint64_t id = 0;
  GoroutineState state = GoroutineState::runnable;
  WaitReason wait_reason = WaitReason::none;  // WaitReason::none unless waiting
  std::chrono::nanoseconds waiting{0};        // time spent in the current wait (~1-10 ms steps)
  std::source_location created_at;            // the go()/async()/post()/submit() that made it
  std::string label;                          // e.g. the pool it works for; empty if none
  std::string group;                          // the TaskGroup whose task it runs; empty if none
  bool is_caller = false;                     // the goroutine that took this snapshot
};

// goroutines: every live goroutine now, ordered by id. Takes the runtime's registry lock
// briefly (goroutine creation and exit take it too; switches do not); never parks. Empty
// before the runtime has started. Throws std::bad_alloc.
GOPOOL_API std::vector<GoroutineRecord> goroutines();

// dump: writes every live goroutine to out, as Go's traceback does: one entry per goroutine
// with its id, state, wait reason and time waiting, label (pool), task group and creation site
// (`goroutine 7 [select, 5ms] in "fetch" group "crawl#2":`); the calling
// goroutine (or thread) also gets a symbolized backtrace of its own frames. When gopool was
// built with libdw (elfutils; found at configure time), each frame names its function from the
// module's full symbol table and, for code compiled with -g, its source file and line; without
// libdw, function names need the executable's symbols exported (-rdynamic, CMake
// ENABLE_EXPORTS), otherwise frames show module and offset. Never parks (with libdw the calling
// thread waits while a helper thread reads the debug information: libdw needs more stack than
// a goroutine has); throws what the stream throws and std::bad_alloc.
GOPOOL_API void dump(std::ostream& out);

// dump: writes the given goroutines in dump()'s format, without a backtrace (e.g. the survivors
// a leak check found). Throws what the stream throws and std::bad_alloc.
GOPOOL_API void dump(std::ostream& out, const std::vector<GoroutineRecord>& goroutines);

// dump_string: dump() into a string.
GOPOOL_API std::string dump_string();

// dump_json: writes the dump as one JSON object, grouped by container as the JDK's
// `jcmd Thread.dump_to_file -format=json` groups virtual threads by executor: goroutines that
// carry a label (pool workers carry their pool's name) under a container of that name, the
// rest under "runtime"; within a container, the goroutines running a TaskGroup's task are
// nested under their group (pool -> groups -> goroutines). Shape:
//   {"goroutine_dump": {"process_id": 123, "time_ns": ..., "goroutine_count": 4,
//     "containers": [{"container": "runtime", "kind": "runtime", "goroutine_count": 2,
//                     "goroutines": [{"id": 1, "state": "waiting", "wait_reason": "select",
//                                     "waiting_ns": 4000000, "label": null, "group": null,
//                                     "created_at": {"file": "...", "line": 12, "column": 3,
//                                                    "function": "..."},
//                                     "backtrace": [...]   (the caller only)}, ...],
//                     "groups": []},
//                    {"container": "http", "kind": "pool", "goroutine_count": 2,
//                     "goroutines": [...the workers outside any group...],
//                     "groups": [{"group": "crawl#2", "goroutine_count": 1,
//                                 "goroutines": [{..., "group": "crawl#2"}]}]}]}}
// A container's goroutine_count counts its groups' goroutines too; groups come in order of
// their first (lowest-id) goroutine. "kind" is "pool" when the label names a live pool, else
// "label". Strings are escaped, bytes
// that are not UTF-8 (in a label, say) become U+FFFD: the output is always valid JSON (RFC
// 8259), on one line ending in a newline. Never parks; throws what the stream throws,
// std::bad_alloc.
GOPOOL_API void dump_json(std::ostream& out);

// install_signal_dump: from now on SIGQUIT (kill -QUIT, Ctrl-\) writes the dump and the
// statistics to stderr and the process carries on (Go would exit). The handler only writes a
// byte to a pipe; a dedicated thread started here (not a goroutine, so it works when every P
// is stuck) takes the snapshot and writes it. Replaces any SIGQUIT handler set before. Calling
// it again does nothing. Thread-safe. Throws std::system_error if the pipe, the thread or the
// handler cannot be set up (nothing is installed then).
GOPOOL_API void install_signal_dump();

// signal_dumps_written: how many dumps the signal handler's thread has finished writing since
// install_signal_dump() (for tests and tools that want to know a SIGQUIT has been served).
GOPOOL_API std::uint64_t signal_dumps_written() noexcept;

// OsStats: what the kernel counts for the whole process (getrusage(RUSAGE_SELF)).
struct OsStats {
  std::int64_t voluntary_context_switches = 0;    // ru_nvcsw: a thread blocked (futex, I/O...)
  std::int64_t involuntary_context_switches = 0;  // ru_nivcsw: a thread was preempted
  std::int64_t max_rss_bytes = 0;                 // ru_maxrss, peak resident set
  std::chrono::microseconds user_cpu{0};          // ru_utime
  std::chrono::microseconds system_cpu{0};        // ru_stime
};

// PoolCounters: one pool's counters at one moment.
struct PoolCounters {
  std::string name;                    // the pool's name (PoolOptions::name, or "pool-<n>")
  int capacity = 0;                    // -1 for an unbounded pool
  int running = 0;                     // live workers, busy or idle
  int busy = 0;                        // workers running a task now
  int idle = 0;                        // live workers waiting for a task (running - busy)
  int waiting = 0;                     // callers blocked waiting for a worker
  std::uint64_t submitted = 0;         // tasks accepted so far (finished or in flight)
  std::uint64_t completed = 0;         // tasks that ran to the end (or threw)
  std::uint64_t exceptions = 0;        // posted tasks that threw
  std::uint64_t rejected = 0;          // tasks refused, whatever the cause; by cause:
  std::uint64_t rejected_closed = 0;   // errc::pool_closed
  std::uint64_t rejected_full = 0;     // errc::pool_overload, full and nonblocking
  std::uint64_t rejected_waiters = 0;  // errc::pool_overload, max_blocking_tasks waiting
  std::uint64_t rejected_timeout = 0;  // errc::timeout
  std::uint64_t rejected_context = 0;  // the caller's Context was done
  std::uint64_t discarded = 0;         // refused tasks dropped by the reject policy
  std::uint64_t workers_started = 0;   // worker goroutines started
  PoolWaitTimes waits;                 // how long callers waited for a worker
};

// pool_counters: reads one pool's counters now (Pool, PoolWithFunc or a MultiPool's member).
// Never blocks; never throws but std::bad_alloc (for the name). `name` overrides the pool's.
GOPOOL_API PoolCounters pool_counters(const ::gopool::detail::PoolBase& pool,
                                      std::string name = {});

// Stats: everything stats() gathers.
struct Stats {
  RuntimeStats runtime;             // goroutines, switches, steals, Ms, stacks, timers, netpoll
  OsStats os;                       // the kernel's view: OS context switches, CPU, RSS
  std::vector<PoolCounters> pools;  // every live pool the pool layer reports, by creation
};

// stats: the counters of the runtime, the OS and every live pool, now. runtime.context_switches
// next to os.*_context_switches is seed 003's comparison of green and OS switches. Values are
// read without stopping anything, so they are approximate while goroutines run. Does not start
// the runtime. Never parks; throws std::bad_alloc.
GOPOOL_API Stats stats();

// write_prometheus: writes stats() in the Prometheus text exposition format (version 0.0.4,
// content type "text/plain; version=0.0.4"): the runtime's counters as gopool_* families and
// every live pool's as gopool_pool_* families labelled pool="<name>" (rejections also by
// cause="closed|full|waiters|timeout|context"; the wait for a worker as a summary). Never
// parks; throws what the stream throws and std::bad_alloc.
GOPOOL_API void write_prometheus(std::ostream& out);

// write_stats: writes s as readable lines ("goroutines: 12 alive, ...") to out. Throws what the
// stream throws.
GOPOOL_API void write_stats(std::ostream& out, const Stats& s);

}  // namespace debug

namespace detail {
// install_signal_dump_from_env: debug::install_signal_dump() if GOPOOL_TRACEBACK is set to a
// value other than "" or "0". Returns whether the dump is installed. Never throws: a failure is
// reported on stderr.
GOPOOL_API bool install_signal_dump_from_env() noexcept;

// Runs the environment check once in every program that includes this header, at static
// initialization (the runtime may also call it when it starts; the second call does nothing).
inline const bool debug_traceback_env_checked = install_signal_dump_from_env();
}  // namespace detail

}  // namespace gopool
