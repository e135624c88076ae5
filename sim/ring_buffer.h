// A FIFO queue in a power-of-two ring that grows geometrically and is then
// reused: no allocation per push in steady state (unlike std::deque, which
// allocates and frees blocks as it moves).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "dsim/sim/check.h"

namespace dsim {

template <class T>
class RingBuffer {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // Makes room for at least n elements (rounded up to a power of two).
  void reserve(std::size_t n) {
    while (buf_.size() < n) grow();
  }

  void push_back(const T& v) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = v;
    ++size_;
  }
  // REQUIRES: !empty().
  T& front() { return buf_[head_]; }
  const T& front() const { return buf_[head_]; }
  T& back() { return buf_[(head_ + size_ - 1) & (buf_.size() - 1)]; }
  const T& back() const { return buf_[(head_ + size_ - 1) & (buf_.size() - 1)]; }
  T& operator[](std::size_t i) { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  const T& operator[](std::size_t i) const { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  void pop_front() {
    DSIM_CHECK(size_ > 0);
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }
  void pop_back() {
    DSIM_CHECK(size_ > 0);
    --size_;
  }
  void clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  void grow() {
    std::vector<T> next(buf_.empty() ? 16 : buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) next[i] = std::move((*this)[i]);
    buf_.swap(next);
    head_ = 0;
  }

  std::vector<T> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace dsim
