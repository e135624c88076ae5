// Operations on keys: what a client with a `mix` asks of a replicated store.
//
// A plain request (Operation::kRequest) is the generic unit of work of the
// built-in request/response protocol; reads and writes name a key. Every
// write writes a value unique in the run (make_write_value), so a read's
// value names the one write it saw; 0 is every key's initial value, which no
// write writes. Keys are numbered from 0 (the `keys` of a client); fresh keys
// (`keys.fresh_writes`) are numbered from kFreshKeyBase up, each used by one
// write only.
#pragma once

#include <cstdint>

namespace dsim {

enum class Operation : std::uint8_t { kRequest, kRead, kWrite };

// "request", "read", "write".
inline const char* operation_name(Operation op) {
  switch (op) {
    case Operation::kRead: return "read";
    case Operation::kWrite: return "write";
    case Operation::kRequest: break;
  }
  return "request";
}

// Every key's value before any write, and its version (older than any write's).
inline constexpr std::uint64_t kInitialValue = 0;
inline constexpr std::int64_t kNoVersion = INT64_MIN;

// Values are (client actor id, per-client write number + 1): with actor ids
// below 2^21 (the loader's bound on replicas keeps them there) they stay
// under 2^53, exact in any JSON reader. The client model checks its counter
// against kMaxWritesPerClient.
inline constexpr int kWriteCounterBits = 32;
inline constexpr std::uint64_t kMaxWritesPerClient = (std::uint64_t{1} << kWriteCounterBits) - 1;
inline constexpr std::uint64_t make_write_value(std::uint32_t client_actor, std::uint64_t n) {
  return (static_cast<std::uint64_t>(client_actor) << kWriteCounterBits) | (n + 1);
}

// Fresh keys: above every key a `keys.count` can name (at most 2^40), one
// per fresh write: kFreshKeyBase + (client actor id, per-client number).
inline constexpr std::uint64_t kMaxKeyCount = std::uint64_t{1} << 40;
inline constexpr std::uint64_t kFreshKeyBase = kMaxKeyCount;
inline constexpr std::uint64_t make_fresh_key(std::uint32_t client_actor, std::uint64_t n) {
  return kFreshKeyBase + ((static_cast<std::uint64_t>(client_actor) << kWriteCounterBits) | n);
}

}  // namespace dsim
