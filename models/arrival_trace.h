// Arrivals recorded elsewhere — a production trace — that an open-loop
// client replays (`replay: arrivals.csv`) instead of drawing them from a
// rate: one request per entry at its time, optionally with the operation
// and the key it asks. The loader reads the file (its format:
// scenarios/README.md, "Replaying a recorded trace").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsim/models/operation.h"
#include "dsim/sim/time.h"

namespace dsim {

struct ArrivalTrace {
  struct Arrival {
    Time at = 0;                        // since the start of the run
    Operation op = Operation::kRequest;  // kRequest: the client's mix decides
    std::optional<std::uint64_t> key;   // none: the client's keys decide
  };
  std::string source;              // where it was read from, for messages
  std::vector<Arrival> arrivals;   // in time order (equal times allowed)
  bool has_operations = false;     // every arrival names its operation
};

}  // namespace dsim
