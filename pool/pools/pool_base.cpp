// PoolBase: the out-of-line half of every pool kind: it owns the core and forwards to it.
#include "gopool/detail/pool_base.hpp"

#include "pools/pool_core.hpp"

namespace gopool::detail {

PoolBase::PoolBase(int capacity, PoolOptions options)
    : core_(new PoolCore(capacity, std::move(options))) {}

PoolBase::~PoolBase() = default;

void PoolBase::CoreDelete::operator()(PoolCore* core) const noexcept {
  delete core;  // ~PoolCore shuts the pool down first if nobody did
}

int PoolBase::running() const noexcept {
  return core_->running();
}
int PoolBase::busy() const noexcept {
  return core_->busy();
}
int PoolBase::free() const noexcept {
  return core_->free();
}
int PoolBase::waiting() const noexcept {
  return core_->waiting();
}
int PoolBase::cap() const noexcept {
  return core_->capacity();
}
bool PoolBase::is_closed() const noexcept {
  return core_->is_closed();
}
PoolStats PoolBase::stats() const noexcept {
  return core_->stats();
}
const std::string& PoolBase::name() const noexcept {
  return core_->name();
}
std::error_code PoolBase::tune(int n) {
  return core_->tune(n);
}
void PoolBase::release() {
  core_->release();
}
std::error_code PoolBase::release_timeout_clock(Clock::duration timeout) {
  return core_->release_timeout(timeout);
}
void PoolBase::reboot() {
  core_->reboot();
}
void PoolBase::wait() {
  core_->wait();
}
bool PoolBase::wait_until(Clock::time_point deadline) {
  return core_->wait_until(deadline);
}
void PoolBase::shutdown() {
  core_->shutdown();
}

std::error_code post_task(PoolCore& core, Task& task, const PoolWait& wait,
                          const std::source_location& where, Refused mode, bool pass_on_overload) {
  return core.post_task(task, wait, where, mode, pass_on_overload);
}

std::error_code null_task_error(const PoolCore& core) noexcept {
  return core.null_task_error();
}

}  // namespace gopool::detail
