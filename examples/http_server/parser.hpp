// The HTTP/1.1 request parser of the example server: strict (RFC 9112). It reads a request head
// (request line and header fields) from bytes already received and says whether it is complete,
// needs more bytes, or is malformed, and with which status code to refuse it.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace http {

// Limits: what a request may be at most.
struct Limits {
  // Leading empty lines, request line, header fields and the blank line, all counted: a head
  // that does not fit is refused, so a full buffer never waits for more.
  std::size_t max_header_bytes = 8192;
  std::size_t max_body_bytes = 1 << 20;
  // Empty lines (CRLF) tolerated before the request line: RFC 9112 section 2.2 asks a server to
  // ignore at least one (some old clients sent one after a POST body); more than this is a 400.
  std::size_t max_empty_lines = 4;
};

// Header: one header field, as views into the received bytes.
struct Header {
  std::string_view name;
  std::string_view value;  // leading and trailing whitespace removed
};

// Request: a parsed request head. Its views point into the buffer given to parse_request() and
// stay valid as long as those bytes do.
struct Request {
  std::string_view method;
  std::string_view target;  // as sent
  std::string_view path;    // the target's path ("/work")
  std::string_view query;   // after '?', without it ("sleep_ms=20"); empty if none
  int minor_version = 1;    // HTTP/1.<minor>
  std::size_t content_length = 0;
  bool keep_alive = true;  // from the version and the Connection header
  bool expect_continue = false;
  std::vector<Header> headers;

  // header: the value of the first field named `name` (case-insensitive), or "" if none.
  std::string_view header(std::string_view name) const;
};

// ParseState: the outcome of parse_request.
enum class ParseState { complete, incomplete, failed };

// ParseResult: for complete, `head_bytes` is the size of the head with the empty lines before it
// (the body, if any, follows); incomplete only while fewer than Limits::max_header_bytes bytes
// were given; for failed, `status` is the code to answer with: 400 malformed (or more than
// Limits::max_empty_lines empty lines first), 413 body too large, 414 request line too long,
// 417 unknown expectation, 431 header section too large, 501 a Transfer-Encoding (request
// bodies must come with Content-Length), 505 a version other than HTTP/1.x; `reason` says what
// was wrong, for the response body.
struct ParseResult {
  ParseState state = ParseState::incomplete;
  std::size_t head_bytes = 0;
  int status = 0;
  std::string_view reason;
};

// parse_request: parses the head at the start of data into out (whose fields are unspecified
// unless the result is complete). Any bytes are accepted; the work is linear in
// min(data.size(), limits.max_header_bytes). Never blocks; never throws (but std::bad_alloc
// for the header list).
ParseResult parse_request(std::string_view data, const Limits& limits, Request& out);

// iequals: ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace http
