// The HTTP example's request parser (examples/http_server/parser.hpp): leading empty lines are
// bounded (issue 15, F7), a head as large as the limit is never "incomplete", and a randomized
// run of generated and mutated requests where every outcome must be a valid one.
//
// The randomized run prints its seed; GOPOOL_HTTP_FUZZ_SEED=<n> replays it and
// GOPOOL_HTTP_FUZZ_COUNT=<n> changes how many requests it tries (default 1 000 000, a tenth of
// that under ASan or TSan, which it says).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "parser.hpp"

namespace {

using http::Limits;
using http::ParseResult;
using http::ParseState;
using http::Request;

ParseResult parse(std::string_view data, const Limits& limits = {}) {
  Request r;
  return http::parse_request(data, limits, r);
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

// Rng: splitmix64, so a seed replays the same run with any standard library.
struct Rng {
  std::uint64_t state;

  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // below: in [0, n) for n < 2^32 (0 for n == 0), by multiply and shift: no division.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(((next() >> 32) * n) >> 32); }
  bool one_in(std::size_t n) { return below(n) == 0; }
  char pick(std::string_view from) { return from[below(from.size())]; }
};

constexpr std::string_view kTchars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
constexpr std::string_view kPathChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%/";

std::string random_of(Rng& rng, std::string_view alphabet, std::size_t min, std::size_t max) {
  std::string s(min + rng.below(max - min + 1), ' ');
  for (char& c : s)
    c = rng.pick(alphabet);
  return s;
}

// random_case: the same ASCII letters in random case (field names are case-insensitive).
std::string random_case(Rng& rng, std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (rng.one_in(2) && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Generated: a valid request head and what parsing it must give (with default Limits).
struct Generated {
  std::string text;  // the head, then maybe a body and more bytes
  std::size_t head_bytes = 0;
  std::string method, target, path, query;
  int minor = 1;
  std::size_t content_length = 0;
  bool keep_alive = true;
  bool expect_continue = false;
  std::size_t headers = 0;
};

Generated generate(Rng& rng) {
  Generated g;
  static constexpr std::string_view kMethods[] = {"GET",    "HEAD",    "POST",  "PUT",
                                                  "DELETE", "OPTIONS", "PATCH", "TRACE"};
  g.method = rng.one_in(8) ? random_of(rng, kTchars, 1, 12) : std::string(kMethods[rng.below(8)]);
  g.minor = rng.one_in(5) ? 0 : 1;
  const std::size_t form = rng.below(10);
  if (form == 0) {
    g.method = "OPTIONS";
    g.target = g.path = "*";
  } else {
    g.path = "/" + random_of(rng, kPathChars, 0, 40);
    if (rng.one_in(3)) {
      g.query = random_of(rng, kPathChars, 0, 30) + (rng.one_in(4) ? "?x" : "");
    }
    g.target = g.path + (g.query.empty() && rng.one_in(2) ? "" : "?" + g.query);
    if (g.target.size() == g.path.size()) g.query.clear();
    if (form == 1) {
      g.target = random_case(rng, rng.one_in(2) ? "http://" : "https://") +
                 random_of(rng, kTchars, 1, 20) + g.target;
    }
  }

  const std::size_t empty_lines = rng.below(Limits{}.max_empty_lines + 1);
  g.text = repeat("\r\n", empty_lines);
  g.text += g.method + " " + g.target + " HTTP/1." + std::to_string(g.minor) + "\r\n";

  bool close = false;
  bool keep_alive_token = false;
  bool length_sent = false;
  auto field = [&](const std::string& name, const std::string& value) {
    const std::string ows1 = random_of(rng, " \t", 0, 2);
    const std::string ows2 = random_of(rng, " \t", 0, 2);
    g.text += name + ":" + ows1 + value + ows2 + "\r\n";
    ++g.headers;
  };
  auto value = [&](std::size_t max) {
    std::string v;
    const std::size_t n = rng.below(max + 1);
    for (std::size_t i = 0; i < n; ++i) {
      // Visible ASCII, spaces and tabs inside, obs-text; never at the ends (OWS is trimmed).
      const std::size_t kind = rng.below(16);
      if (kind == 0 && i > 0 && i + 1 < n) {
        v += rng.pick(" \t");
      } else if (kind == 1) {
        v += static_cast<char>(0x80 + rng.below(0x80));
      } else {
        v += static_cast<char>(0x21 + rng.below(0x7f - 0x21));
      }
    }
    return v;
  };
  const bool host = g.minor == 1 || rng.one_in(2);
  const std::size_t extra = rng.below(9);
  const std::size_t host_at = rng.below(extra + 1);
  for (std::size_t i = 0; i <= extra; ++i) {
    if (i == host_at && host) field(random_case(rng, "host"), random_of(rng, kTchars, 1, 20));
    switch (rng.below(8)) {
      case 0: {
        if (length_sent) break;  // one at most
        length_sent = true;
        g.content_length = rng.one_in(2) ? rng.below(64) : rng.below(Limits{}.max_body_bytes + 1);
        const std::string n = std::to_string(g.content_length);
        field(random_case(rng, "content-length"), rng.one_in(4) ? n + ", " + n : n);
        break;
      }
      case 1: {
        const bool c = rng.one_in(2);
        close = close || c;
        keep_alive_token = keep_alive_token || !c;
        field(random_case(rng, "connection"), random_case(rng, c ? "close" : "keep-alive"));
        break;
      }
      case 2:
        if (!g.expect_continue) {
          g.expect_continue = true;
          field(random_case(rng, "expect"), random_case(rng, "100-continue"));
        }
        break;
      default:
        field("X-" + random_of(rng, kTchars, 1, 16), value(48));
        break;
    }
  }
  g.text += "\r\n";
  g.head_bytes = g.text.size();
  g.keep_alive = g.minor >= 1 ? !close : keep_alive_token && !close;
  // What follows the head is not the parser's business: a body, a next request, noise.
  if (rng.one_in(3)) g.text += random_of(rng, kTchars, 0, 64);
  if (rng.one_in(8)) g.text += "GET / HTTP/1.1\r\nHost: next\r\n\r\n";
  return g;
}

// mutate: one to four random damages of the text, including what F7 sent.
void mutate(Rng& rng, std::string& s) {
  static constexpr std::string_view kSpecial("\r\n\0 \t:,?/\x7f\xff", 11);
  const std::size_t rounds = 1 + rng.below(4);
  for (std::size_t r = 0; r < rounds; ++r) {
    const std::size_t at = rng.below(s.size() + 1);
    switch (rng.below(12)) {
      case 0:  // a byte becomes anything
        if (!s.empty()) s[rng.below(s.size())] = static_cast<char>(rng.below(256));
        break;
      case 1:  // a bit flips
        if (!s.empty()) s[rng.below(s.size())] ^= static_cast<char>(1u << rng.below(8));
        break;
      case 2:  // truncated
        s.resize(at);
        break;
      case 3:  // CR, LF, NUL, space, tab, ... inserted
        s.insert(at, 1, rng.pick(kSpecial));
        break;
      case 4:  // a run of CRLFs, LFs or CRs inserted (F7 sent 4096 CRLFs)
      {
        static constexpr std::string_view kRuns[] = {"\r\n", "\n", "\r", "\r\n\r\n"};
        s.insert(at, repeat(kRuns[rng.below(4)], rng.one_in(4) ? rng.below(5000) : rng.below(8)));
      } break;
      case 5:  // leading empty lines
        s.insert(0, repeat("\r\n", rng.below(12)));
        break;
      case 6: {  // a huge number of header fields after the request line
        const std::size_t line = s.find("\r\n");
        const std::size_t n = rng.one_in(4) ? rng.below(3000) : rng.below(200);
        s.insert(line == std::string::npos ? s.size() : line + 2, repeat("X-a: b\r\n", n));
        break;
      }
      case 7:  // a range deleted
        s.erase(at, rng.below(16));
        break;
      case 8: {  // a range repeated
        const std::string piece = s.substr(at, rng.below(32));
        s.insert(at, repeat(piece, 1 + rng.below(rng.one_in(8) ? 400 : 4)));
        break;
      }
      case 9:  // a long line or value
        s.insert(at, std::string(rng.below(rng.one_in(2) ? 10000 : 300), rng.pick("a /:\t")));
        break;
      case 10: {  // a field the parser treats specially, maybe conflicting
        static constexpr std::string_view kFields[] = {"Host: h\r\n",
                                                       "Content-Length: 5\r\n",
                                                       "Content-Length: 99999999\r\n",
                                                       "Content-Length: -1\r\n",
                                                       "Transfer-Encoding: chunked\r\n",
                                                       "Expect: nothing\r\n",
                                                       "Connection: close\r\n",
                                                       "Content-Length: 1, 2\r\n",
                                                       " folded\r\n"};
        const std::size_t line = s.find("\r\n");
        s.insert(line == std::string::npos ? at : line + 2, kFields[rng.below(9)]);
        break;
      }
      default:  // random bytes inserted
        for (std::size_t n = 1 + rng.below(8); n > 0; --n)
          s.insert(at, 1, static_cast<char>(rng.below(256)));
        break;
    }
  }
}

bool inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;  // e.g. no query: a default view, pointing nowhere
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool is_valid_error(int status) {
  for (const int s : {400, 413, 414, 417, 431, 501, 505}) {
    if (status == s) return true;
  }
  return false;
}

// check_outcome: "" when the parse of data is a valid outcome, else what is wrong with it.
std::string check_outcome(std::string_view data, const Limits& limits, const ParseResult& p,
                          const Request& r) {
  switch (p.state) {
    case ParseState::failed:
      if (!is_valid_error(p.status)) return "failed with status " + std::to_string(p.status);
      if (p.reason.empty()) return "failed without a reason";
      return {};
    case ParseState::incomplete:
      // F7: "incomplete" for a buffer that is already as large as a head may be makes the
      // server read into a full buffer.
      if (data.size() >= limits.max_header_bytes) return "incomplete at the size limit";
      return {};
    case ParseState::complete:
      break;
  }
  if (p.head_bytes < 4 || p.head_bytes > data.size() || p.head_bytes > limits.max_header_bytes) {
    return "complete with head_bytes " + std::to_string(p.head_bytes);
  }
  const std::string_view head = data.substr(0, p.head_bytes);
  if (head.substr(head.size() - 4) != "\r\n\r\n") return "the head does not end in CRLF CRLF";
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) return "a bare LF in the head";
    if (head[i] == '\r' && (i + 1 == head.size() || head[i + 1] != '\n')) {
      return "a bare CR in the head";
    }
  }
  // An absolute-form target without a path ("http://host") has the path "/", a static string.
  if (!inside(r.method, head) || !inside(r.target, head) ||
      !(inside(r.path, head) || r.path == "/") || !inside(r.query, head)) {
    return "a view outside the head";
  }
  if (r.method.empty() || r.target.empty() || r.path.empty()) return "an empty request-line part";
  for (const char c : r.method) {
    if (kTchars.find(c) == std::string_view::npos) return "a method that is not a token";
  }
  for (const char c : r.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return "a control or space in the target";
    }
  }
  if (r.minor_version < 0 || r.minor_version > 9) return "minor version out of range";
  if (r.content_length > limits.max_body_bytes) return "a body over the limit accepted";
  int hosts = 0;
  for (const http::Header& h : r.headers) {
    if (!inside(h.name, head) || !inside(h.value, head)) return "a header view outside the head";
    if (h.name.empty()) return "an empty header name";
    for (const char c : h.name) {
      if (kTchars.find(c) == std::string_view::npos) return "a header name that is not a token";
    }
    for (const char c : h.value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) return "a control in a header value";
    }
    const auto ows = [](char c) { return c == ' ' || c == '\t'; };
    if (!h.value.empty() && (ows(h.value.front()) || ows(h.value.back()))) {
      return "an untrimmed header value";
    }
    if (http::iequals(h.name, "host")) ++hosts;
    if (http::iequals(h.name, "transfer-encoding")) return "Transfer-Encoding accepted";
  }
  if (r.minor_version >= 1 && hosts != 1) return "HTTP/1.1 without exactly one Host";
  // The head alone parses the same: nothing after it was looked at.
  Request again;
  const ParseResult q = http::parse_request(head, limits, again);
  if (q.state != ParseState::complete || q.head_bytes != p.head_bytes) {
    return "the head alone parses differently";
  }
  return {};
}

// check_generated: "" when a valid generated request parses to what it was made of.
std::string check_generated(const Generated& g, const ParseResult& p, const Request& r) {
  if (p.state != ParseState::complete) {
    return "a valid request was not complete: " + std::to_string(p.status) + " " +
           std::string(p.reason);
  }
  if (p.head_bytes != g.head_bytes) return "head_bytes " + std::to_string(p.head_bytes);
  if (r.method != g.method || r.target != g.target || r.path != g.path || r.query != g.query) {
    return "request line parts differ";
  }
  if (r.minor_version != g.minor || r.content_length != g.content_length ||
      r.keep_alive != g.keep_alive || r.expect_continue != g.expect_continue ||
      r.headers.size() != g.headers) {
    return "version, length, keep-alive, expectation or header count differ";
  }
  return {};
}

// printable: the text with control bytes escaped, cut to a readable size, for a failure report.
std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 600)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u >= 0x7f || c == '\\') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
  if (s.size() > 600) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoull(v, nullptr, 0);
}

#if defined(GOPOOL_ASAN) || defined(GOPOOL_TSAN) || defined(__SANITIZE_ADDRESS__) || \
    defined(__SANITIZE_THREAD__)
constexpr std::uint64_t kDefaultCount = 100'000;
constexpr const char* kCountNote = " (a tenth of 1 000 000: sanitizer build)";
#else
constexpr std::uint64_t kDefaultCount = 1'000'000;
constexpr const char* kCountNote = "";
#endif

}  // namespace

TEST_CASE("a few leading empty lines are ignored; more are refused, never skipped forever") {
  const Limits limits;
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::size_t n = 0; n <= limits.max_empty_lines; ++n) {
    const std::string data = repeat("\r\n", n) + request;
    const ParseResult p = parse(data);
    CHECK(p.state == ParseState::complete);
    CHECK(p.head_bytes == data.size());
  }
  const ParseResult too_many = parse(repeat("\r\n", limits.max_empty_lines + 1) + request);
  CHECK(too_many.state == ParseState::failed);
  CHECK(too_many.status == 400);

  // While they arrive, a few are "need more"; one more is a 400 before the buffer fills.
  CHECK(parse(repeat("\r\n", limits.max_empty_lines)).state == ParseState::incomplete);
  CHECK(parse(repeat("\r\n", limits.max_empty_lines) + "\r").state == ParseState::incomplete);
  CHECK(parse(repeat("\r\n", limits.max_empty_lines + 1)).status == 400);

  // F7: 4096 CRLFs, a full 8 KiB buffer of them, and more than the buffer.
  for (const std::size_t n : {4096u, 4095u, 4097u, 100000u}) {
    const ParseResult p = parse(repeat("\r\n", n));
    CHECK(p.state == ParseState::failed);
    CHECK(p.status == 400);
  }

  // With none tolerated, the first one is refused.
  Limits strict;
  strict.max_empty_lines = 0;
  CHECK(parse(request, strict).state == ParseState::complete);
  CHECK(parse("\r\n" + request, strict).status == 400);
}

TEST_CASE("a buffer as large as a head may be is never incomplete") {
  for (const std::size_t max : {16u, 64u, 1000u, 8192u}) {
    Limits limits;
    limits.max_header_bytes = max;
    limits.max_empty_lines = 1'000'000;  // the size limit alone must stop them
    const std::string fills[] = {
        repeat("\r\n", max),
        std::string(max, 'a'),
        "GET / HTTP/1.1\r\n" + repeat("X-a: b\r\n", max),
        "\r\n\r\nGET /" + std::string(max, 'a'),
    };
    for (const std::string& fill : fills) {
      for (const std::size_t size : {max, max + 1, max + 100}) {
        const std::string data =
            fill.substr(0, size) + std::string(size - std::min(size, fill.size()), 'a');
        const ParseResult p = parse(data, limits);
        CAPTURE(max);
        CAPTURE(printable(data));
        CHECK(p.state == ParseState::failed);
        CHECK(is_valid_error(p.status));
      }
    }
  }
}

TEST_CASE("a complete head followed by more than the limit of bytes is still complete") {
  const std::string request = "\r\nGET /a?b HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string data = request + std::string(20000, 'z');
  const ParseResult p = parse(data);
  CHECK(p.state == ParseState::complete);
  CHECK(p.head_bytes == request.size());
}

TEST_CASE("randomized: generated and mutated requests all get a valid outcome") {
  const std::uint64_t seed = env_number("GOPOOL_HTTP_FUZZ_SEED", std::random_device{}());
  const std::uint64_t count = env_number("GOPOOL_HTTP_FUZZ_COUNT", kDefaultCount);
  std::printf("http parser fuzz: seed %llu (GOPOOL_HTTP_FUZZ_SEED), %llu requests%s\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(count),
              std::getenv("GOPOOL_HTTP_FUZZ_COUNT") ? "" : kCountNote);
  std::fflush(stdout);
  INFO("seed " << seed);

  Rng rng{seed};
  Request request;  // reused, as a connection reuses it
  std::uint64_t complete = 0;
  std::uint64_t incomplete = 0;
  std::uint64_t failed = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    Generated g = generate(rng);
    Limits limits;
    std::string problem;
    const bool mutated = !rng.one_in(4);
    if (!mutated) {
      const ParseResult p = http::parse_request(g.text, limits, request);
      problem = check_generated(g, p, request);
      if (problem.empty()) problem = check_outcome(g.text, limits, p, request);
      // Any proper prefix of a valid head needs more bytes.
      if (problem.empty()) {
        const std::string_view prefix = std::string_view(g.text).substr(0, rng.below(g.head_bytes));
        const ParseResult q = http::parse_request(prefix, limits, request);
        if (q.state != ParseState::incomplete) {
          problem = "a prefix of a valid head was not incomplete: " + printable(prefix);
        }
      }
    } else {
      mutate(rng, g.text);
      if (rng.one_in(8)) {  // tight limits, to reach the boundaries often
        limits.max_header_bytes = rng.below(600);
        limits.max_body_bytes = rng.below(100);
        limits.max_empty_lines = rng.below(6);
      }
      const ParseResult p = http::parse_request(g.text, limits, request);
      problem = check_outcome(g.text, limits, p, request);
      (p.state == ParseState::complete ? complete
       : p.state == ParseState::failed ? failed
                                       : incomplete)++;
    }
    if (!problem.empty()) {
      CAPTURE(i);
      CAPTURE(mutated);
      CAPTURE(limits.max_header_bytes);
      CAPTURE(limits.max_empty_lines);
      CAPTURE(printable(g.text));
      FAIL(problem);
    }
  }
  std::printf("http parser fuzz: mutated requests: %llu complete, %llu incomplete, %llu failed\n",
              static_cast<unsigned long long>(complete),
              static_cast<unsigned long long>(incomplete), static_cast<unsigned long long>(failed));
  // The mutations reach every outcome, or the run proved less than it claims.
  CHECK(complete > 0);
  CHECK(incomplete > 0);
  CHECK(failed > 0);
}
