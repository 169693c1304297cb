// debug::dump_json: the goroutine dump as one JSON document, built with nlohmann::json (a
// private dependency: no public header includes it), so escaping and UTF-8 are its job.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "debug/dump_writer.hpp"
#include "debug/pools.hpp"
#include "gopool/debug.hpp"

namespace gopool::debug {

namespace {

// ordered_json keeps the members in the order written, as the documented shape shows them.
using Json = nlohmann::ordered_json;

Json goroutine_json(const GoroutineRecord& g, const impl::Caller& caller) {
  const bool waiting = g.state == GoroutineState::waiting;
  const char* file = g.created_at.file_name();
  const char* function = g.created_at.function_name();
  Json j = {
      {"id", g.id},
      {"state", to_string(g.state)},
      {"wait_reason", waiting ? Json(to_string(g.wait_reason)) : Json(nullptr)},
      {"waiting_ns", waiting ? g.waiting.count() : 0},
      {"label", g.label.empty() ? Json(nullptr) : Json(g.label)},
      {"group", g.group.empty() ? Json(nullptr) : Json(g.group)},
      {"created_at",
       {{"file", file != nullptr ? file : ""},
        {"line", g.created_at.line()},
        {"column", g.created_at.column()},
        {"function", function != nullptr ? function : ""}}},
  };
  if (caller.goroutine_id != 0 && caller.goroutine_id == g.id) j["backtrace"] = caller.backtrace;
  return j;
}

}  // namespace

void dump_json(std::ostream& out) {
  const impl::Caller caller = impl::calling_frames();
  const std::vector<GoroutineRecord> all = goroutines();

  // Containers: "runtime" first, then each label in order of its first (lowest-id) goroutine.
  std::vector<std::string> labels;
  for (const GoroutineRecord& g : all) {
    if (!g.label.empty() && std::find(labels.begin(), labels.end(), g.label) == labels.end())
      labels.push_back(g.label);
  }
  std::set<std::string> pool_names;
  for (PoolCounters& p : impl::live_pools())
    pool_names.insert(std::move(p.name));

  auto container = [&](const std::string& name, const char* kind) {
    std::string_view label;  // the runtime's container holds the unlabelled goroutines
    if (std::string_view(kind) != "runtime") label = name;
    // The container's goroutines outside any group, then each group's, nested under it in
    // order of the group's first (lowest-id) goroutine.
    Json goroutines = Json::array();
    std::vector<std::pair<std::string, Json>> groups;
    std::size_t count = 0;
    for (const GoroutineRecord& g : all) {
      if (g.label != label) continue;
      ++count;
      if (g.group.empty()) {
        goroutines.push_back(goroutine_json(g, caller));
        continue;
      }
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const auto& entry) { return entry.first == g.group; });
      if (it == groups.end()) it = groups.insert(groups.end(), {g.group, Json::array()});
      it->second.push_back(goroutine_json(g, caller));
    }
    Json group_list = Json::array();
    for (auto& [group, members] : groups) {
      group_list.push_back(Json{{"group", group},
                                {"goroutine_count", members.size()},
                                {"goroutines", std::move(members)}});
    }
    return Json{{"container", name},
                {"kind", kind},
                {"goroutine_count", count},
                {"goroutines", std::move(goroutines)},
                {"groups", std::move(group_list)}};
  };
  Json containers = Json::array();
  containers.push_back(container("runtime", "runtime"));
  for (const std::string& label : labels)
    containers.push_back(container(label, pool_names.count(label) != 0 ? "pool" : "label"));

  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  Json dump = {
      {"process_id", ::getpid()}, {"time_ns", now.count()}, {"goroutine_count", all.size()}};
  if (caller.goroutine_id == 0) dump["calling_thread"] = {{"backtrace", caller.backtrace}};
  dump["containers"] = std::move(containers);

  // Labels and frames are bytes: a sequence that is not UTF-8 becomes U+FFFD, so the output is
  // always valid JSON. One write, so concurrent output does not interleave within it.
  const std::string text = Json{{"goroutine_dump", std::move(dump)}}.dump(
      -1, ' ', false, Json::error_handler_t::replace);
  out << text << '\n';
  out.flush();
}

}  // namespace gopool::debug
