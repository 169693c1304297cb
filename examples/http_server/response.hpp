// Responses of the example server: what a handler returns, and its HTTP/1.1 serialization.
#pragma once

#include <string>
#include <string_view>

namespace http {

// Response: a status, a content type and a body. Handlers fill it; the connection writes it.
struct Response {
  int status = 200;
  std::string_view content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string_view allow;  // the Allow header of a 405, else empty
};

// text_response: a plain-text response with the given status and body.
Response text_response(int status, std::string body);

// reason_phrase: "OK", "Not Found", ... for the codes the server uses; "Unknown" otherwise.
std::string_view reason_phrase(int status) noexcept;

// serialize: appends the status line, Date, Content-Type, Content-Length (and Connection: close
// when `close`), then the body unless `head_only` (a HEAD request), to out.
void serialize(const Response& response, bool head_only, bool close, std::string& out);

}  // namespace http
