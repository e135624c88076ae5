// A message in flight between two nodes.
//
// The network moves these by value: it copies one into a pooled slot when it is
// sent and hands a copy to the receiver when it is delivered, so no model ever
// shares mutable state with another through a message. The fields are generic
// enough for request/response protocols (models/rpc.h gives them meaning) and
// for a user's own protocol.
#pragma once

#include <cstdint>

#include "sim/event_queue.h"
#include "sim/time.h"

namespace dsim {

struct Message {
  ActorId src = 0;            // sending node
  ActorId dst = 0;            // receiving node
  std::uint32_t bytes = 0;    // size on the wire, for serialisation delay
  std::uint16_t type = 0;     // protocol message type
  std::uint16_t status = 0;   // protocol status code
  std::uint32_t token = 0;    // the requester's correlation slot ...
  std::uint32_t gen = 0;      // ... and its generation, to recognise stale replies
  std::uint32_t origin = 0;   // originating request (client actor id), for traces
  Time budget = 0;            // protocol-defined time (e.g. the client's timeout)
  std::uint64_t key = 0;      // protocol-defined (e.g. the key of a store operation)
};
static_assert(sizeof(Message) == 48, "messages are copied twice per hop: keep them small");

}  // namespace dsim
