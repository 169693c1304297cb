#include "debug/backtrace.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "gopool/runtime.hpp"

#if GOPOOL_HAVE_LIBDW
#include <elfutils/libdwfl.h>
#endif

namespace gopool::debug::impl {

namespace {

// demangle: the readable name of a C++ symbol, or the symbol itself if it is not mangled.
std::string demangle(const char* symbol) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> readable(
      abi::__cxa_demangle(symbol, nullptr, nullptr, &status), &std::free);
  return status == 0 && readable ? std::string(readable.get()) : std::string(symbol);
}

std::string hex(std::uintptr_t value, const char* prefix = "0x") {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%jx", prefix, static_cast<std::uintmax_t>(value));
  return buf;
}

#if GOPOOL_HAVE_LIBDW

// The process's libdw session. It outlives a backtrace, so that what libdw has read (symbol
// tables, DWARF line tables, separate debug files) is read once: the first dump in a large
// binary takes a good fraction of a second, later ones do not. Never freed: a dump may run while
// the process exits.
std::mutex g_dwfl_mu;
Dwfl* g_dwfl = nullptr;  // under g_dwfl_mu

// refreshed_dwfl: the session with the modules loaded now (requires g_dwfl_mu). Reporting
// again drops modules unloaded since and keeps what was read for the unchanged ones. Separate
// debug files are looked up by build ID on local disk only: the standard lookup may ask a
// debuginfod server over the network (DEBUGINFOD_URLS), which a dump must never wait for.
// nullptr if libdw cannot read this process's modules (no /proc, say).
Dwfl* refreshed_dwfl() noexcept {
  static const Dwfl_Callbacks callbacks = {
      .find_elf = dwfl_linux_proc_find_elf,
      .find_debuginfo = dwfl_build_id_find_debuginfo,
      .section_address = nullptr,
      .debuginfo_path = nullptr,
  };
  if (g_dwfl == nullptr) g_dwfl = dwfl_begin(&callbacks);
  if (g_dwfl == nullptr) return nullptr;
  dwfl_report_begin(g_dwfl);
  const int rc = dwfl_linux_proc_report(g_dwfl, ::getpid());
  if (dwfl_report_end(g_dwfl, nullptr, nullptr) != 0 || rc != 0) {
    dwfl_end(g_dwfl);
    g_dwfl = nullptr;  // the next dump tries again
  }
  return g_dwfl;
}

// Symbolizer: names and source lines from libdw, for one backtrace. It reads the modules'
// symbol tables (.symtab too, so names do not need -rdynamic) and DWARF line tables lazily, for
// the addresses asked about. Holds the session's lock while it lives. Without a session every
// query answers "unknown" and frames are described from dladdr() alone.
class Symbolizer {
 public:
  // Symbolizer(false) answers "unknown" to everything, as without libdw.
  explicit Symbolizer(bool use_libdw) {
    if (!use_libdw) return;
    lock_ = std::unique_lock(g_dwfl_mu);
    dwfl_ = refreshed_dwfl();
  }

  // function: the (mangled) symbol containing pc and pc's offset in it; nullptr if unknown.
  const char* function(std::uintptr_t pc, std::uintptr_t& offset) const noexcept {
    Dwfl_Module* module = dwfl_ != nullptr ? dwfl_addrmodule(dwfl_, pc) : nullptr;
    if (module == nullptr) return nullptr;
    GElf_Off off = 0;
    GElf_Sym sym{};
    const char* name = dwfl_module_addrinfo(module, pc, &off, &sym, nullptr, nullptr, nullptr);
    if (name != nullptr) offset = off;
    return name;
  }

  // source: the file (and its line in `line`) of the instruction at pc; nullptr if unknown.
  const char* source(std::uintptr_t pc, int& line) const noexcept {
    Dwfl_Module* module = dwfl_ != nullptr ? dwfl_addrmodule(dwfl_, pc) : nullptr;
    if (module == nullptr) return nullptr;
    if (Dwfl_Line* entry = dwfl_module_getsrc(module, pc)) {
      const char* file = dwfl_lineinfo(entry, nullptr, &line, nullptr, nullptr, nullptr);
      if (file != nullptr && line > 0) return file;
    }
    return source_by_unit(module, pc, line);
  }

 private:
  // dwfl_module_getsrc finds the compile unit through .debug_aranges, which clang does not emit
  // unless asked (-gdwarf-aranges): then look through the units for the one holding pc.
  static const char* source_by_unit(Dwfl_Module* module, std::uintptr_t pc, int& line) noexcept {
    Dwarf_Addr bias = 0;
    for (Dwarf_Die* unit = dwfl_module_nextcu(module, nullptr, &bias); unit != nullptr;
         unit = dwfl_module_nextcu(module, unit, &bias)) {
      if (dwarf_haspc(unit, pc - bias) <= 0) continue;
      Dwarf_Line* entry = dwarf_getsrc_die(unit, pc - bias);
      if (entry == nullptr) return nullptr;
      const char* file = dwarf_linesrc(entry, nullptr, nullptr);
      if (dwarf_lineno(entry, &line) != 0 || line <= 0) return nullptr;
      return file;
    }
    return nullptr;
  }

  std::unique_lock<std::mutex> lock_;
  Dwfl* dwfl_ = nullptr;
};

#else

// Symbolizer without libdw: knows nothing; frames are described from dladdr() alone.
class Symbolizer {
 public:
  explicit Symbolizer(bool /*use_libdw*/) noexcept {}
  const char* function(std::uintptr_t /*pc*/, std::uintptr_t& /*offset*/) const noexcept {
    return nullptr;
  }
  const char* source(std::uintptr_t /*pc*/, int& /*line*/) const noexcept { return nullptr; }
};

#endif

// describe: "function+0xoff (module)" or "0xaddress (module+0xoff)", then " at file:line" when
// the line is known. `address` is a return address: its call is the instruction before it.
std::string describe(const Symbolizer& symbolizer, void* address) {
  const auto pc = reinterpret_cast<std::uintptr_t>(address);
  std::string out;
  Dl_info info{};
  const bool loaded = dladdr(address, &info) != 0;
  std::uintptr_t offset = 0;
  if (const char* name = symbolizer.function(pc, offset); name != nullptr) {
    // The full symbol table, exported or not; its names may carry a version ("f@@GLIBC_2.34").
    out = demangle(std::string(name, std::strcspn(name, "@")).c_str()) + hex(offset, "+0x");
  } else if (loaded && info.dli_sname != nullptr && info.dli_saddr != nullptr) {
    out = demangle(info.dli_sname) +
          hex(pc - reinterpret_cast<std::uintptr_t>(info.dli_saddr), "+0x");  // exported only
  }
  const std::string module = loaded && info.dli_fname != nullptr ? info.dli_fname : "?";
  if (!loaded) {
    out = hex(pc);
  } else if (!out.empty()) {
    out += " (" + module + ")";
  } else {
    out = hex(pc) + " (" + module +
          hex(pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase), "+0x") + ")";
  }
  int line = 0;
  if (const char* file = symbolizer.source(pc - 1, line); file != nullptr)
    out += " at " + std::string(file) + ':' + std::to_string(line);
  return out;
}

std::vector<std::string> symbolize(void* const* frames, int count, bool use_libdw) {
  const Symbolizer symbolizer(use_libdw);
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    out.push_back(describe(symbolizer, frames[i]));
  return out;
}

}  // namespace

[[gnu::noinline]] std::vector<std::string> capture_backtrace(const void* first) {
  constexpr int kMaxFrames = 64;
  void* frames[kMaxFrames];
  const int n = ::backtrace(frames, kMaxFrames);
  // Counting frames to skip is fragile (sanitizers add their own); look for `first` instead.
  int start = 1;  // frame 0 is this function
  for (int i = 0; i < n; ++i) {
    if (frames[i] == first) {
      start = i;
      break;
    }
  }
  void* const* from = frames + start;
  const int count = n - start;
#if GOPOOL_HAVE_LIBDW
  // libdw's line-table reader keeps arrays of some 150 KiB on the stack, more than a goroutine's
  // stack has: it runs on a thread of its own, with a thread's stack. The goroutine meanwhile
  // blocks its OS thread, as blocking() declares (its P goes on running other goroutines).
  std::vector<std::string> out;
  std::exception_ptr error;
  try {
    gopool::blocking([&] {
      std::thread([&]() noexcept {
        try {
          out = symbolize(from, count, true);
        } catch (...) {
          error = std::current_exception();
        }
      }).join();
    });
  } catch (const std::system_error&) {
    return symbolize(from, count, false);  // no thread to be had: names without lines
  }
  if (error) std::rethrow_exception(error);
  return out;
#else
  return symbolize(from, count, false);
#endif
}

}  // namespace gopool::debug::impl
