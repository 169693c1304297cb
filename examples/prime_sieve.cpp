// prime_sieve: the concurrent prime sieve from the Go documentation, on gopool goroutines and
// channels. A generator goroutine sends 2, 3, 4, ...; every prime found adds a filter goroutine
// that drops the multiples of that prime, chained by unbuffered channels.
//
//   usage: prime_sieve [N]      prints the first N primes (default 10), one per line
//          prime_sieve --help
//
// Unlike the Go original, it shuts the chain down when done, so no goroutine is left behind:
// closing `done` stops the generator, which closes its channel; each filter's range loop then
// ends and closes the next channel, and main drains the last one.
#include <cstdio>
#include <optional>
#include <variant>

#include "command_line.hpp"
#include "gopool/chan.hpp"
#include "gopool/runtime.hpp"
#include "gopool/select.hpp"
#include "gopool/wait_group.hpp"

namespace {

// Sends 2, 3, 4, ... on out until done is closed, then closes out.
void generate(gopool::Chan<int> out, gopool::Chan<std::monostate> done) {
  for (int i = 2;; ++i) {
    bool stop = false;
    gopool::select(gopool::on_send(out, i), gopool::on_recv(done, [&] { stop = true; }));
    if (stop) {
      break;
    }
  }
  out.close();
}

// Copies the values from in to out, dropping those divisible by prime; closes out at the end.
void filter(gopool::Chan<int> in, gopool::Chan<int> out, int prime) {
  for (int i : in) {
    if (i % prime != 0) {
      out.send(i);
    }
  }
  out.close();
}

}  // namespace

int main(int argc, char** argv) {
  long n = 10;
  CommandLine cli("prime_sieve",
                  "prime_sieve: the first N primes, from a chain of goroutines (Go's concurrent "
                  "sieve)");
  cli.positional("N", n, "how many primes to print", 1, 1'000'000);
  if (const std::optional<int> exit_code = cli.parse(argc, argv)) return *exit_code;

  gopool::WaitGroup wg;
  gopool::Chan<std::monostate> done;
  gopool::Chan<int> ch;
  wg.add(1);
  gopool::go([ch, done, &wg] {
    generate(ch, done);
    wg.done();
  });
  for (long i = 0; i < n; ++i) {
    const int prime = ch.recv().value();
    std::printf("%d\n", prime);
    gopool::Chan<int> next;
    wg.add(1);
    gopool::go([ch, next, prime, &wg] {
      filter(ch, next, prime);
      wg.done();
    });
    ch = next;
  }

  done.close();
  for (int rest : ch) {  // drain, so that every filter can finish its last send
    (void)rest;
  }
  wg.wait();
  return 0;
}
