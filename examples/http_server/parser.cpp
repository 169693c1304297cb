#include "parser.hpp"

#include <cstring>

namespace http {
namespace {

// tchar of RFC 9110: the characters of a token (method, header name).
bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A field value may hold visible characters, spaces, tabs and obs-text; no other controls.
bool is_field_value(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\t') continue;
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

ParseResult fail(int status, std::string_view reason) {
  return {ParseState::failed, 0, status, reason};
}

// parse_length: a Content-Length value ("42", or "42, 42" with identical members); false when
// malformed or too large.
bool parse_length(std::string_view value, std::size_t& out) {
  bool first = true;
  std::size_t result = 0;
  while (true) {
    const auto comma = value.find(',');
    const std::string_view item = trim(value.substr(0, comma));
    if (item.empty() || item.size() > 18) return false;
    std::size_t n = 0;
    for (const char c : item) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (!first && n != result) return false;
    result = n;
    first = false;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  out = result;
  return true;
}

// split_target: fills path and query from an origin-form, absolute-form or asterisk-form target.
bool split_target(Request& r) {
  std::string_view t = r.target;
  if (t == "*") {
    r.path = t;
    return r.method == "OPTIONS";
  }
  if (t.front() != '/') {
    // absolute-form: http://authority/path?query
    std::size_t scheme = 0;
    if (t.size() > 7 && iequals(t.substr(0, 7), "http://")) {
      scheme = 7;
    } else if (t.size() > 8 && iequals(t.substr(0, 8), "https://")) {
      scheme = 8;
    } else {
      return false;
    }
    const auto slash = t.find_first_of("/?", scheme);
    if (slash == scheme) return false;  // no authority
    t = slash == std::string_view::npos ? std::string_view("/") : t.substr(slash);
    if (t.front() == '?') return false;
  }
  const auto q = t.find('?');
  r.path = t.substr(0, q);
  r.query = q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Request::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

ParseResult parse_request(std::string_view data, const Limits& limits, Request& out) {
  // A head that fits lies within the first max_header_bytes; what follows is never looked at.
  const bool cut = data.size() > limits.max_header_bytes;
  data = data.substr(0, limits.max_header_bytes);

  // A few empty lines before the request line are ignored (RFC 9112 section 2.2); a stream of
  // them is refused rather than skipped forever.
  std::size_t skip = 0;
  for (std::size_t lines = 0;
       data.size() - skip >= 2 && data[skip] == '\r' && data[skip + 1] == '\n'; skip += 2) {
    if (++lines > limits.max_empty_lines)
      return fail(400, "too many empty lines before the request");
  }
  data.remove_prefix(skip);

  // Every line ends in CRLF: a bare LF or CR is malformed, whether the head is complete or not.
  const std::size_t end = data.find("\r\n\r\n");
  const std::size_t scan = end == std::string_view::npos ? data.size() : end + 4;
  for (std::size_t i = 0; i < scan; ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) return fail(400, "bare LF");
    if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] != '\n') return fail(400, "bare CR");
  }
  if (end == std::string_view::npos) {
    // Incomplete only while more bytes could still complete a head within the limit.
    if (!cut && skip + data.size() < limits.max_header_bytes) {
      return {ParseState::incomplete, 0, 0, {}};
    }
    if (data.find("\r\n") == std::string_view::npos) return fail(414, "request line too long");
    return fail(431, "header section too large");
  }
  const std::size_t head = end + 4;  // skip + head <= max_header_bytes: data was cut there

  out.headers.clear();
  out.query = {};
  out.content_length = 0;
  out.expect_continue = false;

  // Request line: method SP request-target SP HTTP-version.
  const std::size_t line_end = data.find("\r\n");
  const std::string_view line = data.substr(0, line_end);
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail(400, "malformed request line");
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return fail(400, "malformed request line");
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(out.method)) return fail(400, "malformed method");
  if (out.target.empty()) return fail(400, "empty request target");
  for (const char c : out.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return fail(400, "malformed request target");
    }
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return fail(400, "malformed HTTP version");
  }
  if (version[5] != '1') return fail(505, "only HTTP/1.x is supported");
  out.minor_version = version[7] - '0';
  if (!split_target(out)) return fail(400, "malformed request target");

  // Header fields: name ":" OWS value OWS.
  std::size_t pos = line_end + 2;
  int hosts = 0;
  int lengths = 0;
  bool chunked_or_other = false;
  bool close = false;
  bool keep_alive = false;
  while (pos < end + 2) {
    const std::size_t eol = data.find("\r\n", pos);
    const std::string_view field = data.substr(pos, eol - pos);
    pos = eol + 2;
    if (field.front() == ' ' || field.front() == '\t') return fail(400, "obsolete line folding");
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) return fail(400, "header field without ':'");
    const std::string_view name = field.substr(0, colon);
    if (!is_token(name)) return fail(400, "malformed header field name");
    const std::string_view value = trim(field.substr(colon + 1));
    if (!is_field_value(value)) return fail(400, "control character in header field value");
    out.headers.push_back({name, value});
    if (iequals(name, "host")) {
      ++hosts;
    } else if (iequals(name, "content-length")) {
      std::size_t n = 0;
      if (!parse_length(value, n)) return fail(400, "malformed Content-Length");
      if (lengths > 0 && n != out.content_length) return fail(400, "conflicting Content-Length");
      out.content_length = n;
      ++lengths;
    } else if (iequals(name, "transfer-encoding")) {
      chunked_or_other = true;
    } else if (iequals(name, "connection")) {
      std::string_view list = value;
      while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view opt = trim(list.substr(0, comma));
        if (iequals(opt, "close")) close = true;
        if (iequals(opt, "keep-alive")) keep_alive = true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    } else if (iequals(name, "expect")) {
      if (!iequals(value, "100-continue")) return fail(417, "unsupported expectation");
      out.expect_continue = true;
    }
  }
  if (out.minor_version >= 1 ? hosts != 1 : hosts > 1) {
    return fail(400, "an HTTP/1.1 request needs exactly one Host header");
  }
  if (chunked_or_other) {
    if (lengths > 0 || out.minor_version == 0) {
      return fail(400, "Transfer-Encoding with Content-Length or in HTTP/1.0");
    }
    return fail(501, "request bodies need Content-Length");
  }
  if (out.content_length > limits.max_body_bytes) return fail(413, "request body too large");
  out.keep_alive = out.minor_version >= 1 ? !close : (keep_alive && !close);
  return {ParseState::complete, skip + head, 0, {}};
}

}  // namespace http
