#include "server.hpp"

#include <algorithm>
#include <memory>
#include <sstream>
#include <vector>

#include <gopool/debug.hpp>
#include <gopool/future.hpp>
#include <gopool/runtime.hpp>
#include <gopool/runtime_stats.hpp>
#include <nlohmann/json.hpp>

#include "handlers.hpp"

namespace http {
namespace net = gopool::net;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

gopool::PoolOptions pool_options() {
  gopool::PoolOptions o;
  o.name = "http-handlers";  // as /stats, /metrics and the goroutine dumps show it
  o.nonblocking = true;      // a full pool refuses at once; nobody queues (503)
  return o;
}

int checked_capacity(int capacity) {
  if (capacity < 1) throw std::system_error(gopool::errc::invalid_capacity);
  return capacity;
}

// linger_close: after a response the server ends the connection with: stop sending, read and
// drop what the client still sends for a moment (so the kernel does not answer it with a reset
// that could destroy the response before the client read it), then close.
void linger_close(net::TcpStream& s) {
  (void)s.shutdown(net::Shutdown::write);
  (void)s.set_read_deadline(net::deadline_in(500ms));
  char sink[4096];
  std::size_t drained = 0;
  while (drained < (64u << 10)) {
    auto r = s.read(sink, sizeof sink);
    if (!r) break;
    drained += r.bytes;
  }
  (void)s.close();
}

}  // namespace

Server::Server(ServerOptions options)
    : options_(std::move(options)), pool_(checked_capacity(options_.capacity), pool_options()) {}

Server::~Server() {
  stop(5s);
}

std::error_code Server::start() {
  auto l = net::TcpListener::listen(options_.host.find(':') != std::string::npos
                                        ? "[" + options_.host + "]:" + std::to_string(options_.port)
                                        : options_.host + ":" + std::to_string(options_.port));
  if (!l) return l.error();
  listener_ = std::move(*l);
  address_ = listener_.local_address().value();
  acceptor_.add(1);
  gopool::go([this] {
    accept_loop();
    acceptor_.done();
  });
  return {};
}

void Server::accept_loop() {
  for (;;) {
    auto conn = listener_.accept();
    if (!conn) {
      if (conn.error() == net::errc::closed) return;
      // Out of fds or memory: back off a little and try again, as Go's http server does.
      accept_errors_.fetch_add(1, std::memory_order_relaxed);
      gopool::sleep_for(5ms);
      continue;
    }
    accepted_.fetch_add(1, std::memory_order_relaxed);
    gopool::go([this, c = std::move(*conn)]() mutable { serve(std::move(c)); });
  }
}

void Server::count(int status) noexcept {
  if (status >= 200 && status < 300) {
    status_2xx_.fetch_add(1, std::memory_order_relaxed);
  } else if (status >= 400 && status < 500) {
    status_4xx_.fetch_add(1, std::memory_order_relaxed);
  } else if (status == 503) {
    status_503_.fetch_add(1, std::memory_order_relaxed);
  } else if (status >= 500) {
    status_5xx_other_.fetch_add(1, std::memory_order_relaxed);
  }
}

Response Server::dispatch(const Request& request) {
  // /stats and /metrics bypass the pool, so they answer even when every handler slot is taken.
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/stats" && get) {
    Response r = text_response(200, stats());
    r.content_type = "application/json";
    return r;
  }
  if (request.path == "/metrics" && get) {
    std::ostringstream metrics;
    write_metrics(metrics);
    Response r = text_response(200, metrics.str());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  gopool::Promise<Response> promise;
  gopool::Future<Response> future = promise.get_future();
  auto handler = [&request, p = std::move(promise)]() mutable {
    p.set_result_of([&] { return handle(request); });
  };
  if (auto refused = pool_.try_post(std::move(handler))) {
    // Every slot is taken (the pool is nonblocking): the handler comes back unrun, and the
    // connection still owns the request, so it answers at once.
    return text_response(503, "server busy: every handler slot is taken\n");
  }
  try {
    return future.get();
  } catch (const std::exception& e) {
    return text_response(500, std::string("handler failed: ") + e.what() + "\n");
  }
}

void Server::serve(net::TcpStream stream) {
  {
    std::lock_guard lock(conns_mu_);
    conns_.insert(&stream);
  }
  struct Unregister {
    Server* server;
    net::TcpStream* stream;
    ~Unregister() {
      std::lock_guard lock(server->conns_mu_);
      server->conns_.erase(stream);
    }
  } unregister{this, &stream};

  const std::size_t cap = std::max<std::size_t>(options_.limits.max_header_bytes, 4096);
  const auto buf = std::make_unique<char[]>(cap);
  std::size_t begin = 0;  // first unconsumed byte
  std::size_t end = 0;    // one past the last received byte
  Request request;
  std::string out;
  out.reserve(512);

  auto send = [&](const Response& response, bool head_only, bool close) {
    count(response.status);
    out.clear();
    serialize(response, head_only, close, out);
    (void)stream.set_write_deadline(net::deadline_in(options_.write_timeout));
    return static_cast<bool>(stream.write_all(out));
  };

  (void)stream.set_read_deadline(net::deadline_in(options_.idle_timeout));
  for (;;) {
    const std::string_view data(buf.get() + begin, end - begin);
    ParseResult parsed;
    if (!data.empty()) parsed = parse_request(data, options_.limits, request);

    if (parsed.state == ParseState::failed) {
      requests_.fetch_add(1, std::memory_order_relaxed);
      send(text_response(parsed.status, std::string(parsed.reason) + "\n"), false, true);
      linger_close(stream);
      return;
    }

    if (parsed.state == ParseState::complete) {
      requests_.fetch_add(1, std::memory_order_relaxed);
      begin += parsed.head_bytes;
      // The body: what already arrived is skipped, the rest read and dropped (no handler uses a
      // body), after a 100 Continue if the client waits for one.
      std::size_t body = request.content_length;
      const std::size_t here = std::min(body, end - begin);
      const bool need_more = body > here;
      if (need_more && request.expect_continue) {
        (void)stream.write_all(std::string_view("HTTP/1.1 100 Continue\r\n\r\n"));
      }
      Response response = dispatch(request);  // request's views stay valid: buf is untouched
      begin += here;
      body -= here;
      const bool close = !request.keep_alive || stopping_.load(std::memory_order_relaxed);
      const bool head_only = request.method == "HEAD";
      if (!send(response, head_only, close)) break;
      while (body > 0) {
        auto r = stream.read(buf.get(), std::min(body, cap));
        if (!r) {
          (void)stream.close();
          return;
        }
        body -= r.bytes;
        begin = end = 0;
      }
      if (close) {
        linger_close(stream);
        return;
      }
      if (begin == end) begin = end = 0;
      (void)stream.set_read_deadline(net::deadline_in(options_.idle_timeout));
      continue;
    }

    // Incomplete: make room and read more.
    if (begin > 0) {
      std::copy(buf.get() + begin, buf.get() + end, buf.get());
      end -= begin;
      begin = 0;
    }
    if (end == cap) {
      // The parser refuses a head as large as the buffer, so this is not reached; were it, a
      // read of 0 bytes would return at once and the loop would spin: refuse instead.
      requests_.fetch_add(1, std::memory_order_relaxed);
      send(text_response(431, "header section too large\n"), false, true);
      linger_close(stream);
      return;
    }
    // Reads park when nothing is there, and yield every 64 that find data: a switch point.
    auto r = stream.read(buf.get() + end, cap - end);
    if (!r) {
      // End of stream or idle timeout between requests: just close. In the middle of one: 408
      // on timeout, nothing on a vanished client.
      if (r.error == net::errc::timeout && end > 0 && !stopping_.load()) {
        send(text_response(408, "request timeout\n"), false, true);
      }
      break;
    }
    end += r.bytes;
  }
  (void)stream.close();
}

void Server::stop(std::chrono::milliseconds grace) {
  if (stopping_.exchange(true)) return;
  const auto deadline = gopool::Clock::now() + grace;
  if (listener_.is_open()) {
    (void)listener_.close();
    acceptor_.wait();
  }
  // Wake the connections waiting for a request: their read times out and they close. Those
  // running a handler close after writing its response.
  auto wake_idle = [this] {
    std::lock_guard lock(conns_mu_);
    for (net::TcpStream* s : conns_)
      (void)s->set_read_deadline(net::deadline_in(-1ms));
    return conns_.size();
  };
  while (wake_idle() > 0 && gopool::Clock::now() < deadline) {
    gopool::sleep_for(5ms);
  }
  (void)pool_.release_timeout(
      std::max(deadline - gopool::Clock::now(), gopool::Clock::duration(1ms)));
}

std::string Server::stats() const {
  std::size_t open = 0;
  {
    std::lock_guard lock(conns_mu_);
    open = conns_.size();
  }
  const gopool::debug::Stats all = gopool::debug::stats();
  const gopool::RuntimeStats& r = all.runtime;
  Json pools = Json::array();
  for (const gopool::debug::PoolCounters& p : all.pools) {
    pools.push_back({{"name", p.name},
                     {"capacity", p.capacity},
                     {"running", p.running},
                     {"busy", p.busy},
                     {"idle", p.idle},
                     {"waiting", p.waiting},
                     {"submitted", p.submitted},
                     {"completed", p.completed},
                     {"exceptions", p.exceptions},
                     {"rejected",
                      {{"total", p.rejected},
                       {"closed", p.rejected_closed},
                       {"full", p.rejected_full},
                       {"waiters", p.rejected_waiters},
                       {"timeout", p.rejected_timeout},
                       {"context", p.rejected_context}}},
                     {"workers_started", p.workers_started},
                     {"waits",
                      {{"count", p.waits.count},
                       {"total_ns", p.waits.total.count()},
                       {"p50_ns", p.waits.p50.count()},
                       {"p99_ns", p.waits.p99.count()},
                       {"max_ns", p.waits.max.count()}}}});
  }
  const Json doc = {{"server",
                     {{"address", address_.to_string()},
                      {"connections",
                       {{"accepted", accepted_.load()},
                        {"open", open},
                        {"accept_errors", accept_errors_.load()}}},
                      {"requests", requests_.load()},
                      {"responses",
                       {{"2xx", status_2xx_.load()},
                        {"4xx", status_4xx_.load()},
                        {"503", status_503_.load()},
                        {"other_5xx", status_5xx_other_.load()}}},
                      {"pool", pool_.name()}}},
                    {"runtime",
                     {{"goroutines", r.goroutines_alive},
                      {"goroutines_created", r.goroutines_created},
                      {"context_switches", r.context_switches},
                      {"procs", r.procs},
                      {"threads", r.threads}}},
                    {"pools", pools}};
  return doc.dump(2) + "\n";
}

void Server::write_metrics(std::ostream& out) const {
  out << "# HELP http_server_requests_total Requests read.\n"
      << "# TYPE http_server_requests_total counter\n"
      << "http_server_requests_total " << requests_.load() << "\n"
      << "# HELP http_server_responses_total Responses sent, by status class.\n"
      << "# TYPE http_server_responses_total counter\n"
      << "http_server_responses_total{code=\"2xx\"} " << status_2xx_.load() << "\n"
      << "http_server_responses_total{code=\"4xx\"} " << status_4xx_.load() << "\n"
      << "http_server_responses_total{code=\"503\"} " << status_503_.load() << "\n"
      << "http_server_responses_total{code=\"5xx\"} " << status_5xx_other_.load() << "\n";
  gopool::debug::write_prometheus(out);
}

}  // namespace http
