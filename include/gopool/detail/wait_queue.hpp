// WaitQueue: an intrusive FIFO of waiter nodes living on their waiters' stacks, shared by the
// sync primitives (channels, Mutex, Semaphore) and the pool's blocked callers. The owner's lock
// guards it. A Node has `prev`, `next` and `queued` members.
#pragma once

#include <cstddef>

namespace gopool::detail {

template <class Node>
class WaitQueue {
 public:
  // Appends n (not queued) at the back.
  void push(Node* n) noexcept {
    n->prev = tail_;
    n->next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = n;
    } else {
      head_ = n;
    }
    tail_ = n;
    n->queued = true;
  }

  // Unlinks n if it is still queued.
  void remove(Node* n) noexcept {
    if (!n->queued) return;
    if (n->prev != nullptr) {
      n->prev->next = n->next;
    } else {
      head_ = n->next;
    }
    if (n->next != nullptr) {
      n->next->prev = n->prev;
    } else {
      tail_ = n->prev;
    }
    n->prev = n->next = nullptr;
    n->queued = false;
  }

  Node* front() const noexcept { return head_; }
  bool empty() const noexcept { return head_ == nullptr; }

  std::size_t size() const noexcept {
    std::size_t count = 0;
    for (const Node* n = head_; n != nullptr; n = n->next)
      ++count;
    return count;
  }

 private:
  Node* head_ = nullptr;
  Node* tail_ = nullptr;
};

}  // namespace gopool::detail
