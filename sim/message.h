// A message in flight between two nodes: a 32-byte header the engine reads,
// and 16 bytes of payload the protocol defines.
//
// The network moves messages by value: it copies one into a pooled slot when
// it is sent and hands a copy to the receiver when it is delivered, so no
// model ever shares mutable state with another through a message. The header
// is generic enough for request/response protocols (models/rpc.h gives it
// meaning) and for a user's own protocol; the engine itself reads only src,
// dst, bytes and flags. Contents larger than the two inline payload words
// (values, versions, log batches) travel in a pooled payload
// (sim/payload.h) whose reference takes the second word.
#pragma once

#include <cstdint>

#include "dsim/sim/event_queue.h"
#include "dsim/sim/time.h"

namespace dsim {

// What the engine knows of a message beyond its addresses.
enum MessageFlag : std::uint8_t {
  // The sender waits for an answer: if the destination's host refuses
  // connections (its process was killed), the engine answers with a refusal.
  kExpectsReply = 1u << 0,
  // This is the engine's refusal of a message that expected a reply: the
  // original's header (type, tag, token, gen) with src and dst swapped, no payload.
  kRefused = 1u << 1,
  // words[1] is a PayloadRef to a pooled payload (sim/payload.h), owned by the
  // message while it is in flight and released once it is consumed.
  kPooledPayload = 1u << 2,
};

struct Message {
  ActorId src = 0;            // sending node
  ActorId dst = 0;            // receiving node
  std::uint32_t bytes = 0;    // size on the wire, for serialisation delay
  std::uint16_t type = 0;     // protocol message type
  std::uint16_t status = 0;   // protocol status code (models/status.h)
  std::uint32_t token = 0;    // the requester's correlation slot ...
  std::uint32_t gen = 0;      // ... and its generation, to recognise stale replies
  std::uint32_t origin = 0;   // originating request (client actor id), for traces
  std::uint8_t flags = 0;     // MessageFlag bits
  std::uint8_t tag = 0;       // protocol-defined (the built-in one: the operation; an answer's value)
  std::uint8_t reserved[2] = {};
  // Payload: two words the protocol defines (the built-in one: the client's
  // timeout and the operation's key); words[1] is a PayloadRef with
  // kPooledPayload.
  std::uint64_t words[2] = {};

  bool has(MessageFlag f) const { return (flags & f) != 0; }
};
static_assert(sizeof(Message) == 48, "messages are copied twice per hop: keep them small");

}  // namespace dsim
