// gopool::net: goroutine-aware TCP on the runtime's netpoller. A goroutine that waits for a
// socket parks and its OS thread runs other goroutines; threads outside the runtime can make the
// same calls and block.
//
//   auto listener = gopool::net::TcpListener::listen("127.0.0.1:0").value();
//   gopool::go([&] {
//     for (;;) {
//       auto conn = listener.accept();
//       if (!conn) break;                       // closed
//       gopool::go([c = std::move(*conn)]() mutable {
//         char buf[4096];
//         while (auto r = c.read(buf, sizeof buf)) {
//           if (!c.write_all(buf, r.bytes)) break;
//         }
//       });
//     }
//   });
//   auto conn = gopool::net::TcpStream::connect(listener.local_address()->to_string()).value();
//
// Errors are std::error_code values: gopool::net::errc (timeout, closed, eof, ...) or the
// kernel's errno in std::system_category() (compare with std::errc::connection_refused, ...).
// Results come as Result<T> (a value or an error) and IoResult (bytes moved and an error).
#pragma once

#include "gopool/net/address.hpp"
#include "gopool/net/deadline.hpp"
#include "gopool/net/errors.hpp"
#include "gopool/net/result.hpp"
#include "gopool/net/tcp_listener.hpp"
#include "gopool/net/tcp_stream.hpp"
#include "gopool/net/wait.hpp"
