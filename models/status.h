// Status codes: how an operation or a request ended, for every protocol.
//
// Code 0 is success; every other code is a kind of failure, with a name that
// reports print ("timeout", "rejected", ...). The built-in request/response
// protocol (models/rpc.h) owns codes 1 to 3; a new protocol adds its own
// failure kinds to the same table when the program starts, and from then on
// every counter of failures (clients, the "requests" recorder, the summary,
// the time series) counts them and prints them by name, with no change
// elsewhere. Counters are fixed arrays of kMaxStatuses entries, so counting
// never allocates.
//
// Thread safety: add() before any run starts; reading is safe from any
// number of runs at once.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dsim/sim/check.h"

namespace dsim {

// A status code. The enumerators are the built-in protocol's; any value
// below StatusTable::global().size() is a valid code.
enum class Status : std::uint16_t {
  kOk = 0,
  kTimeout = 1,      // no answer within the caller's timeout
  kRejected = 2,     // a full queue or a connection limit turned it away
  kUnavailable = 3,  // no healthy backend, or the process refused the connection
};

// Codes in all, "ok" included: a bound on protocols' failure kinds (four
// more than the built-in ones), which keeps every counter a small array.
inline constexpr std::size_t kMaxStatuses = 8;

class StatusTable {
 public:
  // The process's table: "ok", "timeout", "rejected", "unavailable", then the
  // failure kinds protocols have added, in the order they were added.
  static StatusTable& global();

  // Adds a failure kind; returns its code. Adding a name already there
  // returns its code. REQUIRES: a lowercase name of letters, digits and '_',
  // not "ok"; fewer than kMaxStatuses codes; no run started yet in the
  // process (the table freezes when the first one starts: freeze()).
  Status add(const std::string& name);
  // Makes the table read-only, so that runs on several threads can read it;
  // called when a World is built. Adding a new name afterwards fails a check.
  void freeze() { frozen_.store(true, std::memory_order_release); }

  std::size_t size() const { return names_.size(); }
  // Failure kinds: codes 1 .. size() - 1.
  std::size_t failure_kinds() const { return names_.size() - 1; }
  // REQUIRES: code < size().
  const std::string& name(Status code) const;

 private:
  StatusTable();
  std::vector<std::string> names_;
  std::atomic<bool> frozen_{false};
};

// The name of a status code ("ok", "timeout", ...).
inline const std::string& status_name(Status s) { return StatusTable::global().name(s); }

// Counts by kind of failure: index k counts status code k + 1.
struct FailureCounts {
  std::array<std::uint64_t, kMaxStatuses - 1> counts{};

  // REQUIRES: s is a failure code (not kOk) of the table.
  void add(Status s) {
    const auto i = static_cast<std::size_t>(s);
    DSIM_CHECK_MSG(i >= 1 && i < kMaxStatuses, "not a failure status code");
    ++counts[i - 1];
  }
  std::uint64_t& operator[](std::size_t kind) { return counts[kind]; }
  std::uint64_t operator[](std::size_t kind) const { return counts[kind]; }
  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (const std::uint64_t c : counts) t += c;
    return t;
  }
  FailureCounts& operator+=(const FailureCounts& o) {
    for (std::size_t k = 0; k < counts.size(); ++k) counts[k] += o.counts[k];
    return *this;
  }
};

}  // namespace dsim
