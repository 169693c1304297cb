// The request handlers of the example server: what runs in the pool for each request.
#pragma once

#include "parser.hpp"
#include "response.hpp"

namespace http {

// handle: routes a request: "/" answers a greeting; "/work?sleep_ms=N&spin_us=M" simulates
// work (parks its goroutine for N ms, then keeps its thread busy for M us); other paths 404;
// methods other than GET and HEAD 405 (or 501 when unknown). Bad work parameters: 400.
Response handle(const Request& request);

// work_limits: the largest sleep_ms and spin_us a request may ask for.
inline constexpr unsigned kMaxSleepMs = 60'000;
inline constexpr unsigned kMaxSpinUs = 10'000'000;

}  // namespace http
