// The goroutine dump: each kind of wait is named, creation sites and labels are shown, the
// caller gets its backtrace, the JSON form parses and groups by label, and SIGQUIT dumps while
// the process carries on.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gopool/chan.hpp>
#include <gopool/debug.hpp>
#include <gopool/future.hpp>
#include <gopool/mutex.hpp>
#include <gopool/net/tcp_listener.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/select.hpp>
#include <gopool/semaphore.hpp>
#include <gopool/task_group.hpp>
#include <gopool/wait_group.hpp>
#include <nlohmann/json.hpp>

#include "support/death.hpp"
#include "support/wait_until.hpp"

namespace {

using gopool::debug::GoroutineRecord;
using gopool::debug::GoroutineState;
using gopool::debug::WaitReason;
using Json = nlohmann::json;

std::optional<GoroutineRecord> find_goroutine(std::uint64_t id) {
  for (const GoroutineRecord& g : gopool::debug::goroutines()) {
    if (g.id == id) return g;
  }
  return std::nullopt;
}

// Waits until goroutine `id` (once known) is parked for `reason`.
bool waits_for(const std::atomic<std::uint64_t>& id, WaitReason reason) {
  return gopool::test::wait_until([&] {
    const std::uint64_t g = id.load();
    if (g == 0) return false;
    const auto r = find_goroutine(g);
    return r && r->state == GoroutineState::waiting && r->wait_reason == reason;
  });
}

std::string entry_head(std::uint64_t id, WaitReason reason) {
  return "goroutine " + std::to_string(id) + " [" + to_string(reason) + ", ";
}

// All goroutines of the parsed dump, with the container each is in (a group's goroutines are
// nested in their container's groups).
std::vector<std::pair<std::string, const Json*>> json_goroutines(const Json& doc) {
  std::vector<std::pair<std::string, const Json*>> out;
  for (const Json& c : doc.at("goroutine_dump").at("containers")) {
    for (const Json& g : c.at("goroutines"))
      out.emplace_back(c.at("container").get<std::string>(), &g);
    for (const Json& group : c.at("groups")) {
      for (const Json& g : group.at("goroutines"))
        out.emplace_back(c.at("container").get<std::string>(), &g);
    }
  }
  return out;
}

const Json* json_goroutine(const Json& doc, std::uint64_t id, std::string* container = nullptr) {
  for (const auto& [name, g] : json_goroutines(doc)) {
    if (g->at("id") == id) {
      if (container != nullptr) *container = name;
      return g;
    }
  }
  return nullptr;
}

// The goroutines a JSON container lists: its own and its groups'.
std::size_t container_size(const Json& c) {
  std::size_t n = c.at("goroutines").size();
  for (const Json& group : c.at("groups")) {
    CHECK(group.at("goroutine_count") == group.at("goroutines").size());
    n += group.at("goroutines").size();
  }
  return n;
}

Json dump_json_parsed() {
  std::ostringstream out;
  gopool::debug::dump_json(out);
  return Json::parse(out.str());
}

}  // namespace

TEST_CASE("the dump names the wait reason of every kind of wait") {
  struct Case {
    WaitReason reason;
    std::atomic<std::uint64_t> id{0};
  };
  Case chan_recv{WaitReason::chan_recv}, chan_send{WaitReason::chan_send},
      select{WaitReason::select}, sleep{WaitReason::sleep}, mutex{WaitReason::mutex},
      semaphore{WaitReason::semaphore}, wait_group{WaitReason::wait_group},
      future{WaitReason::future}, pool_idle{WaitReason::pool_idle},
      pool_submit{WaitReason::pool_submit}, blocking{WaitReason::blocking}, io{WaitReason::io};

  gopool::WaitGroup all;
  gopool::Chan<int> never_sent;      // chan receive
  gopool::Chan<int> never_received;  // chan send
  gopool::Chan<int> select_a, select_b;
  std::atomic<bool> stop_sleeping{false};
  gopool::Mutex held;
  held.lock();
  gopool::Semaphore no_permits(0);
  gopool::WaitGroup gate;
  gate.add(1);
  gopool::Promise<int> promise;
  gopool::Future<int> pending = promise.get_future();
  gopool::Pool idle_pool(1);
  gopool::Pool full_pool(1);
  gopool::Chan<int> pool_gate;
  std::promise<void> os_gate;  // a wait the runtime does not know: the thread blocks
  std::future<void> os_wait = os_gate.get_future();
  gopool::net::TcpListener listener = gopool::net::TcpListener::listen("127.0.0.1:0").value();

  auto start = [&](Case& c, auto body) {
    all.add(1);
    gopool::go([&c, &all, body]() mutable {
      c.id = gopool::this_goroutine::id();
      body();
      all.done();
    });
  };
  start(chan_recv, [&] { (void)never_sent.recv(); });
  start(chan_send, [&] {
    try {
      never_received.send(1);
    } catch (const gopool::ChanClosed&) {
    }
  });
  start(select, [&] { gopool::select(gopool::on_recv(select_a), gopool::on_recv(select_b)); });
  start(sleep, [&] {
    while (!stop_sleeping)
      gopool::sleep_for(std::chrono::milliseconds(5));
  });
  start(mutex, [&] {
    held.lock();
    held.unlock();
  });
  start(semaphore, [&] { no_permits.acquire(); });
  start(wait_group, [&] { gate.wait(); });
  start(future, [&] { (void)pending.get(); });
  start(blocking, [&] { gopool::blocking([&] { os_wait.wait(); }); });
  start(io, [&] { (void)listener.accept(); });  // nobody connects
  // A pool worker that ran a task and went idle.
  REQUIRE_FALSE(idle_pool.post([&] { pool_idle.id = gopool::this_goroutine::id(); }));
  // A full pool: its one worker is busy, so the next caller waits for it.
  REQUIRE_FALSE(full_pool.post([&] { (void)pool_gate.recv(); }));
  start(pool_submit, [&] { REQUIRE_FALSE(full_pool.post([] {})); });

  for (Case* c : {&chan_recv, &chan_send, &select, &sleep, &mutex, &semaphore, &wait_group, &future,
                  &pool_idle, &pool_submit, &blocking, &io}) {
    INFO(std::string(to_string(c->reason)));
    REQUIRE(waits_for(c->id, c->reason));
  }

  const std::string text = gopool::debug::dump_string();
  const Json doc = dump_json_parsed();
  for (Case* c : {&chan_recv, &chan_send, &select, &sleep, &mutex, &semaphore, &wait_group, &future,
                  &pool_idle, &pool_submit, &blocking, &io}) {
    INFO(std::string(to_string(c->reason)));
    // The sleeper wakes every 5 ms: it may be caught between two sleeps.
    if (c == &sleep && text.find(entry_head(c->id, c->reason)) == std::string::npos) continue;
    CHECK(text.find(entry_head(c->id, c->reason)) != std::string::npos);
    const Json* g = json_goroutine(doc, c->id);
    REQUIRE(g != nullptr);
    if (c == &sleep && g->at("state").get<std::string>() != "waiting") continue;
    CHECK(g->at("state").get<std::string>() == "waiting");
    CHECK(g->at("wait_reason").get<std::string>() == to_string(c->reason));
  }

  never_sent.close();
  never_received.close();
  select_a.close();
  stop_sleeping = true;
  held.unlock();
  no_permits.release();
  gate.done();
  promise.set_value(1);
  pool_gate.close();
  os_gate.set_value();
  (void)listener.close();
  all.wait();
}

TEST_CASE("each entry shows where the goroutine was created") {
  gopool::Chan<int> block;
  std::atomic<std::uint64_t> id{0};
  gopool::WaitGroup done;
  done.add(1);
  const unsigned line = __LINE__ + 1;
  gopool::go([&] {
    id = gopool::this_goroutine::id();
    (void)block.recv();
    done.done();
  });
  REQUIRE(waits_for(id, WaitReason::chan_recv));

  const auto r = find_goroutine(id);
  REQUIRE(r);
  CHECK(r->created_at.line() == line);
  CHECK(std::string(r->created_at.file_name()).find("dump_test.cpp") != std::string::npos);
  CHECK(r->waiting >= std::chrono::nanoseconds::zero());

  const std::string text = gopool::debug::dump_string();
  const std::string site = "dump_test.cpp:" + std::to_string(line) + ":";
  CHECK(text.find(site) != std::string::npos);
  CHECK(text.find("created by") != std::string::npos);

  const Json doc = dump_json_parsed();
  const Json* g = json_goroutine(doc, id);
  REQUIRE(g != nullptr);
  CHECK(g->at("created_at").at("line") == line);
  CHECK(g->at("created_at").at("file").get<std::string>().find("dump_test.cpp") !=
        std::string::npos);
  CHECK(g->at("created_at").at("function").is_string());

  block.close();
  done.wait();
}

TEST_CASE("the calling goroutine's entry carries its backtrace") {
  std::string text;
  Json doc;
  std::uint64_t self = 0;
  gopool::WaitGroup done;
  done.add(1);
  gopool::go([&] {
    self = gopool::this_goroutine::id();
    text = gopool::debug::dump_string();
    std::ostringstream json;
    gopool::debug::dump_json(json);
    doc = Json::parse(json.str());
    done.done();
  });
  done.wait();

  const std::string head =
      "goroutine " + std::to_string(self) + " [running] (calling goroutine):\n#0  ";
  const auto at = text.find(head);
  REQUIRE(at != std::string::npos);
  // Frame 0 is the dump function itself (the test exports its symbols).
  CHECK(text.substr(at + head.size()).rfind("gopool::debug::dump_string", 0) == 0);

  const Json* g = json_goroutine(doc, self);
  REQUIRE(g != nullptr);
  CHECK(g->at("state").get<std::string>() == "running");
  CHECK(g->at("wait_reason").is_null());
  REQUIRE(g->contains("backtrace"));
  REQUIRE_FALSE(g->at("backtrace").empty());
  CHECK(g->at("backtrace")[0].get<std::string>().find("gopool::debug::dump_json") == 0);
  CHECK_FALSE(doc.at("goroutine_dump").contains("calling_thread"));
}

namespace {

#ifdef GOPOOL_TEST_HAVE_LIBDW
constexpr bool kHaveLibdw = true;  // gopool found libdw: frames carry file and line
#else
constexpr bool kHaveLibdw = false;
#endif

// dump_here: a dump taken from a function only the full symbol table knows (internal linkage:
// not exported even with ENABLE_EXPORTS); first and last get the lines around the call.
[[gnu::noinline]] std::string dump_here(unsigned& first, unsigned& last) {
  first = __LINE__;
  std::string text = gopool::debug::dump_string();
  last = __LINE__;
  return text;
}

// Checks that the dump's frame for dump_here names it, this file and a line of its body.
void check_frame_has_source(const std::string& text, unsigned first, unsigned last) {
  INFO(text);
  const auto frame = text.find("#1  ");
  REQUIRE(frame != std::string::npos);
  const std::string line = text.substr(frame, text.find('\n', frame) - frame);
  INFO(line);
  CHECK(line.find("dump_here") != std::string::npos);
  const std::string file = "dump_test.cpp:";
  const auto at = line.find(file);
  REQUIRE(at != std::string::npos);
  const unsigned number = static_cast<unsigned>(std::stoul(line.substr(at + file.size())));
  CHECK(number > first);
  CHECK(number < last);
}

}  // namespace

TEST_CASE("with libdw, frames name their source file and line" * doctest::skip(!kHaveLibdw)) {
  unsigned first = 0;
  unsigned last = 0;
  const std::string from_thread = dump_here(first, last);
  check_frame_has_source(from_thread, first, last);

  // On a goroutine too, whose stack is far smaller than a thread's.
  std::string from_goroutine;
  gopool::WaitGroup done;
  done.add(1);
  gopool::go([&] {
    from_goroutine = dump_here(first, last);
    done.done();
  });
  done.wait();
  check_frame_has_source(from_goroutine, first, last);
}

TEST_CASE("a dump from a thread outside the runtime shows the thread's frames") {
  gopool::go([] {});  // the runtime runs
  const std::string text = gopool::debug::dump_string();
  INFO(text);
  CHECK(text.find("calling thread (not a goroutine):\n#0  gopool::debug::dump_string") !=
        std::string::npos);
  CHECK(text.find("(calling goroutine)") == std::string::npos);
  const Json doc = dump_json_parsed();
  REQUIRE(doc.at("goroutine_dump").contains("calling_thread"));
  CHECK_FALSE(doc.at("goroutine_dump").at("calling_thread").at("backtrace").empty());
}

TEST_CASE("labelled goroutines are shown with their label and grouped under it in JSON") {
  gopool::Chan<int> block;
  std::atomic<std::uint64_t> labelled{0}, plain{0};
  gopool::WaitGroup done;
  done.add(2);
  gopool::go([&] {
    gopool::detail::set_goroutine_label("ingest \"pool\"");  // escaped in JSON
    labelled = gopool::this_goroutine::id();
    (void)block.recv();
    done.done();
  });
  gopool::go([&] {
    plain = gopool::this_goroutine::id();
    (void)block.recv();
    done.done();
  });
  REQUIRE(waits_for(labelled, WaitReason::chan_recv));
  REQUIRE(waits_for(plain, WaitReason::chan_recv));

  const auto r = find_goroutine(labelled);
  REQUIRE(r);
  CHECK(r->label == "ingest \"pool\"");
  const std::string text = gopool::debug::dump_string();
  CHECK(text.find("goroutine " + std::to_string(labelled) + " [chan receive, ") !=
        std::string::npos);
  CHECK(text.find("] in \"ingest \"pool\"\":") != std::string::npos);

  const Json doc = dump_json_parsed();
  std::string container;
  const Json* g = json_goroutine(doc, labelled, &container);
  REQUIRE(g != nullptr);
  CHECK(container == "ingest \"pool\"");
  CHECK(g->at("label").get<std::string>() == "ingest \"pool\"");
  REQUIRE(json_goroutine(doc, plain, &container) != nullptr);
  CHECK(container == "runtime");

  // Every container's count matches its list, and the total matches the sum.
  std::size_t total = 0;
  const Json& containers = doc.at("goroutine_dump").at("containers");
  REQUIRE(containers.size() >= 2);
  CHECK(containers[0].at("container").get<std::string>() == "runtime");
  CHECK(containers[0].at("kind").get<std::string>() == "runtime");
  for (const Json& c : containers) {
    CHECK(c.at("goroutine_count") == container_size(c));
    total += c.at("goroutine_count").get<std::size_t>();
    if (c.at("container").get<std::string>() == "ingest \"pool\"") {
      CHECK((c.at("kind").get<std::string>() == "label" ||
             c.at("kind").get<std::string>() == "pool"));
    }
  }
  CHECK(doc.at("goroutine_dump").at("goroutine_count") == total);

  block.close();
  done.wait();
}

TEST_CASE("JSON escapes quotes, backslashes and control characters, keeps UTF-8, mends bad bytes") {
  // Static: a label must outlive its goroutine.
  static const std::string tricky =
      "q\"b\\s/n\nt\tc\x01\x1f del\x7f \u00e9 \u65e5\u672c \U0001F642";
  static const std::string invalid =
      "bad\xff"
      "byte";  // not UTF-8
  gopool::Chan<int> block;
  std::atomic<std::uint64_t> a{0}, b{0};
  gopool::WaitGroup done;
  done.add(2);
  auto labelled = [&](const std::string& label, std::atomic<std::uint64_t>& id) {
    gopool::go([&] {
      gopool::detail::set_goroutine_label(label.c_str());
      id = gopool::this_goroutine::id();
      (void)block.recv();
      done.done();
    });
  };
  labelled(tricky, a);
  labelled(invalid, b);
  REQUIRE(waits_for(a, WaitReason::chan_recv));
  REQUIRE(waits_for(b, WaitReason::chan_recv));

  std::ostringstream out;
  gopool::debug::dump_json(out);
  const std::string text = out.str();
  INFO(text);
  // RFC 8259: quote and backslash escaped, control characters as escapes, nothing raw below 0x20
  // but the newline that ends the document; UTF-8 as it is.
  CHECK(text.find(R"("q\"b\\s/n\nt\tc\u0001\u001f del)") != std::string::npos);
  CHECK(text.find("\u00e9 \u65e5\u672c \U0001F642") != std::string::npos);
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');
  const auto raw = std::find_if(text.begin(), text.end() - 1,
                                [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  CHECK(raw == text.end() - 1);

  const Json doc = Json::parse(text);  // throws on invalid JSON, invalid UTF-8 included
  std::string container;
  const Json* g = json_goroutine(doc, a, &container);
  REQUIRE(g != nullptr);
  CHECK(g->at("label").get<std::string>() == tricky);
  CHECK(container == tricky);
  g = json_goroutine(doc, b, &container);
  REQUIRE(g != nullptr);
  CHECK(g->at("label").get<std::string>() ==
        "bad\xef\xbf\xbd"
        "byte");  // U+FFFD
  CHECK(container ==
        "bad\xef\xbf\xbd"
        "byte");

  block.close();
  done.wait();
}

TEST_CASE("a list of records dumps without backtrace, in the same format") {
  GoroutineRecord r;
  r.id = 42;
  r.state = GoroutineState::waiting;
  r.wait_reason = WaitReason::semaphore;
  r.waiting = std::chrono::milliseconds(1500);
  r.label = "db";
  std::ostringstream out;
  gopool::debug::dump(out, {r});
  const std::string text = out.str();
  CHECK(text.find("gopool: 1 goroutine") != std::string::npos);
  CHECK(text.find("goroutine 42 [semaphore, 1.5s] in \"db\":\ncreated by ") != std::string::npos);
  CHECK(text.find("#0") == std::string::npos);
}

TEST_CASE("state names") {
  CHECK(std::string(gopool::debug::to_string(GoroutineState::runnable)) == "runnable");
  CHECK(std::string(gopool::debug::to_string(GoroutineState::running)) == "running");
  CHECK(std::string(gopool::debug::to_string(GoroutineState::waiting)) == "waiting");
  CHECK(std::string(gopool::debug::to_string(static_cast<GoroutineState>(99))) == "unknown");
}

// ---- the signal dump: in a child process, so SIGQUIT's handler does not stay installed ----

namespace {

// Goroutines busy and parked while the signal arrives.
void start_signal_scenario_goroutines(std::atomic<bool>& stop) {
  static gopool::Chan<int> never;  // parked forever
  static std::atomic<std::uint64_t> parked{0};
  gopool::go([] {
    parked = gopool::this_goroutine::id();
    (void)never.recv();
  });
  if (!waits_for(parked, WaitReason::chan_recv)) std::exit(4);
  for (int i = 0; i < 2; ++i) {
    gopool::go([&stop] {
      while (!stop)
        gopool::yield();
    });
  }
}

void raise_and_carry_on() {
  std::atomic<bool> stop{false};
  start_signal_scenario_goroutines(stop);
  const std::uint64_t before = gopool::debug::signal_dumps_written();
  std::raise(SIGQUIT);
  if (!gopool::test::wait_until([&] { return gopool::debug::signal_dumps_written() > before; })) {
    std::printf("no dump written\n");
    std::exit(3);
  }
  // Still alive, and goroutines still run.
  std::atomic<bool> ran{false};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    ran = true;
    wg.done();
  });
  wg.wait();
  stop = true;
  std::printf("carried on: %s\n", ran ? "yes" : "no");
  std::fflush(stdout);
  std::exit(0);
}

}  // namespace

GOPOOL_DEATH_SCENARIO(sigquit_dumps_and_carries_on) {
  gopool::debug::install_signal_dump();
  gopool::debug::install_signal_dump();  // a second call does nothing
  raise_and_carry_on();
}

GOPOOL_DEATH_SCENARIO(sigquit_with_gopool_traceback_env) {
  // Nothing installed by hand: GOPOOL_TRACEBACK=1 did it at start-up.
  raise_and_carry_on();
}

TEST_CASE("SIGQUIT writes the dump to stderr and the process carries on") {
  const gopool::test::DeathResult r =
      gopool::test::run_death_scenario("sigquit_dumps_and_carries_on");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("SIGQUIT: goroutine dump") != std::string::npos);
  CHECK(r.output.find("[chan receive, ") != std::string::npos);
  CHECK(r.output.find("goroutines: ") != std::string::npos);  // the statistics follow
  CHECK(r.output.find("carried on: yes") != std::string::npos);
}

TEST_CASE("GOPOOL_TRACEBACK=1 installs the signal dump") {
  ::setenv("GOPOOL_TRACEBACK", "1", 1);
  const gopool::test::DeathResult r =
      gopool::test::run_death_scenario("sigquit_with_gopool_traceback_env");
  ::unsetenv("GOPOOL_TRACEBACK");
  INFO(r.output);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("SIGQUIT: goroutine dump") != std::string::npos);
  CHECK(r.output.find("carried on: yes") != std::string::npos);
}

TEST_CASE("without GOPOOL_TRACEBACK, SIGQUIT keeps its default action") {
  const gopool::test::DeathResult r =
      gopool::test::run_death_scenario("sigquit_with_gopool_traceback_env");
  INFO(r.output);
  CHECK(r.signaled);
  CHECK(r.signal == SIGQUIT);
}

TEST_CASE("pool workers are grouped under their pool; a busy one shows its task's post site") {
  gopool::PoolOptions options;
  options.name = "dump-http";
  gopool::Pool pool(2, options);
  gopool::Chan<int> gate;
  std::atomic<std::uint64_t> busy_id{0};
  auto task = [&] {
    busy_id = gopool::this_goroutine::id();
    (void)gate.recv();
  };
  // One line: for a call spread over lines, compilers differ in which line they record.
  const unsigned line = __LINE__ + 1;
  REQUIRE_FALSE(pool.post(task));
  REQUIRE(waits_for(busy_id, WaitReason::chan_recv));

  const auto r = find_goroutine(busy_id);
  REQUIRE(r);
  CHECK(r->created_at.line() == line);
  CHECK(std::string(r->created_at.file_name()).find("dump_test.cpp") != std::string::npos);
  CHECK(r->label == "dump-http");

  const Json doc = dump_json_parsed();
  std::string container;
  const Json* g = json_goroutine(doc, busy_id, &container);
  REQUIRE(g != nullptr);
  CHECK(container == "dump-http");
  CHECK(g->at("created_at").at("line") == line);
  bool pool_kind = false;
  for (const Json& c : doc.at("goroutine_dump").at("containers")) {
    if (c.at("container") == "dump-http") pool_kind = c.at("kind") == "pool";
  }
  CHECK(pool_kind);

  const std::string text = gopool::debug::dump_string();
  CHECK(text.find("dump_test.cpp:" + std::to_string(line) + ":") != std::string::npos);
  gate.close();
  pool.wait();

  // Idle again: still under its pool, and the dump says the site is its last task's.
  REQUIRE(waits_for(busy_id, WaitReason::pool_idle));
  const auto idle = find_goroutine(busy_id);
  REQUIRE(idle);
  CHECK(idle->label == "dump-http");
  CHECK(gopool::debug::dump_string().find("last task posted by") != std::string::npos);
}

TEST_CASE("a task group's goroutines show their group; JSON nests them as pool -> groups") {
  gopool::PoolOptions options;
  options.name = "dump-group-pool";
  gopool::Pool pool(4, options);
  gopool::TaskGroup named(pool);
  named.set_name("crawl \"batch\"");  // escaped in JSON
  gopool::TaskGroup unnamed(pool);
  gopool::Chan<int> gate;
  std::atomic<std::uint64_t> in_named{0}, in_unnamed{0}, plain{0};
  named.go([&] {
    in_named = gopool::this_goroutine::id();
    (void)gate.recv();
  });
  unnamed.go([&] {
    in_unnamed = gopool::this_goroutine::id();
    (void)gate.recv();
  });
  REQUIRE_FALSE(pool.post([&] {  // a task of the pool outside any group
    plain = gopool::this_goroutine::id();
    (void)gate.recv();
  }));
  REQUIRE(waits_for(in_named, WaitReason::chan_recv));
  REQUIRE(waits_for(in_unnamed, WaitReason::chan_recv));
  REQUIRE(waits_for(plain, WaitReason::chan_recv));

  const auto r = find_goroutine(in_named);
  REQUIRE(r);
  CHECK(r->label == "dump-group-pool");
  CHECK(r->group == "crawl \"batch\"");
  CHECK(unnamed.name().rfind("group#", 0) == 0);
  CHECK(find_goroutine(in_unnamed)->group == unnamed.name());
  CHECK(find_goroutine(plain)->group.empty());

  const std::string text = gopool::debug::dump_string();
  CHECK(text.find("goroutine " + std::to_string(in_named) + " [chan receive, ") !=
        std::string::npos);
  CHECK(text.find("] in \"dump-group-pool\" group \"crawl \"batch\"\":") != std::string::npos);
  CHECK(text.find("] in \"dump-group-pool\" group \"" + unnamed.name() + "\":") !=
        std::string::npos);

  const Json doc = dump_json_parsed();
  const Json* container = nullptr;
  for (const Json& c : doc.at("goroutine_dump").at("containers")) {
    if (c.at("container") == "dump-group-pool") container = &c;
  }
  REQUIRE(container != nullptr);
  CHECK(container->at("kind") == "pool");
  CHECK(container->at("goroutine_count") == container_size(*container));
  bool plain_outside_groups = false;
  for (const Json& g : container->at("goroutines")) {
    if (g.at("id") == plain.load()) plain_outside_groups = g.at("group").is_null();
  }
  CHECK(plain_outside_groups);
  auto group_members = [&](const std::string& name) {
    std::vector<std::uint64_t> ids;
    for (const Json& group : container->at("groups")) {
      if (group.at("group") != name) continue;
      for (const Json& g : group.at("goroutines")) {
        CHECK(g.at("group") == name);
        ids.push_back(g.at("id").get<std::uint64_t>());
      }
    }
    return ids;
  };
  CHECK(group_members("crawl \"batch\"") == std::vector<std::uint64_t>{in_named.load()});
  CHECK(group_members(unnamed.name()) == std::vector<std::uint64_t>{in_unnamed.load()});

  gate.close();
  CHECK(named.wait() == std::error_code{});
  CHECK(unnamed.wait() == std::error_code{});
  // Back to idle in the pool: the worker belongs to no group any more.
  REQUIRE(waits_for(in_named, WaitReason::pool_idle));
  CHECK(find_goroutine(in_named)->group.empty());
}
