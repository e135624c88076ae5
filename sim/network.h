// The network: zones, links between them, and message delivery as events.
//
// Every node (an actor that can send and receive messages) sits in one zone.
// Zones are joined by explicit links, each with a latency distribution, a
// bandwidth (serialisation delay = bytes / bandwidth) and a loss probability.
// A message between two zones follows the path of least mean latency over the
// explicit links (Dijkstra on a Boost.Graph of zones, computed once); within a
// zone, or between zones no explicit links connect, it crosses one "default
// link" with the network's default latency, bandwidth and loss.
//
// Links do not queue: bandwidth adds serialisation delay but messages do not
// contend for it. Each hop's latency is drawn independently, so messages can be
// reordered, as on a real network.
//
// Draws use one stream per sending node ("<node>/net"), so changing the network
// never shifts a component's own draws (service times, arrivals).
//
// Node services: each node has a condition (up; crashed, so messages to it
// vanish; or refusing, the host up but the process dead, so a message that
// expects a reply is answered by the engine with a refusal, kRefused) and a
// clock that may run off simulated time (offset and drift). Faults set them
// (models/faults.h); any model reads them.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "dsim/sim/distribution.h"
#include "dsim/sim/message.h"
#include "dsim/sim/payload.h"
#include "dsim/sim/rng.h"
#include "dsim/sim/time.h"

namespace dsim {

class Simulation;

using ZoneId = std::uint32_t;
using LinkId = std::uint32_t;

struct LinkParams {
  Distribution latency;       // nanoseconds
  double bandwidth_bps = 0;   // bits per second; 0 = unlimited
  double loss = 0;            // probability in [0, 1]
};

struct Link {
  ZoneId a;
  ZoneId b;
  LinkParams params;
};

// Whether a node's process runs (Network::set_condition).
enum class NodeCondition : std::uint8_t {
  kUp,
  kCrashed,   // host down: messages to it are lost, nothing answers
  kRefusing,  // process dead, host up: connections are refused at once
};

// Decides, at delivery time, whether a message still gets through (faults).
class DeliveryFilter {
 public:
  virtual ~DeliveryFilter() = default;
  virtual bool allow(const Message& msg) = 0;
};

class Network {
 public:
  explicit Network(Simulation& sim);

  // --- Topology, set up before the run. ---
  void set_default_link(LinkParams params);
  const LinkParams& default_link() const { return default_; }
  ZoneId add_zone(const std::string& name);  // returns the existing id if known
  std::optional<ZoneId> find_zone(const std::string& name) const;
  LinkId add_link(ZoneId a, ZoneId b, LinkParams params);
  const std::vector<Link>& links() const { return links_; }
  // Makes `actor` a node named `name` in zone `zone`.
  void add_node(ActorId actor, const std::string& name, ZoneId zone);
  const std::string& node_name(ActorId actor) const { return node_name_[actor]; }
  // Computes routes between all pairs of zones. Call after the last add_*.
  void finalize();

  // The route between two zones: the explicit links crossed, in order; empty
  // means the default link. `mean_latency` is the sum of their mean latencies.
  struct Route {
    std::vector<LinkId> links;
    double mean_latency = 0;
  };
  Route route(ZoneId from, ZoneId to) const;

  // --- Messaging. ---
  // Sends msg from msg.src to msg.dst; it is delivered to the destination
  // actor's on_message after the path's latency, unless lost. Inline (in
  // simulation.h) for the common case, a fixed-delay path; the rest is
  // send_general().
  inline void send(const Message& msg);
  // Runs a delivery event (called by Simulation's loop; defined inline in
  // simulation.h so that the loop can inline it).
  inline void deliver(std::uint32_t slot);
  void set_delivery_filter(DeliveryFilter* filter) {
    filter_ = filter;
    update_delivery_checks();
  }
  // Marks every message now in flight for which doom(msg) is true as lost:
  // it will not be delivered (a partition or crash cuts the connections it
  // was travelling on).
  template <class Pred>
  void drop_in_flight(Pred&& doom) {
    // Free slots may be marked too, harmlessly: send() clears the mark when
    // it reuses a slot.
    for (std::size_t s = 0; s < pool_.size(); ++s)
      if (doom(pool_[s])) {
        doomed_[s] = 1;
        any_doomed_ = true;
      }
    update_delivery_checks();
  }

  // Pooled message payloads (sim/payload.h).
  Payloads& payloads() { return payloads_; }
  // Takes the pooled payload of the message being delivered, so that it is
  // not released when on_message returns: to keep it, or to send it on (put
  // the returned reference in the new message). REQUIRES: called from
  // on_message for a message with kPooledPayload, once.
  std::uint64_t take_payload(const Message& msg) {
    DSIM_CHECK_MSG(msg.has(kPooledPayload) && delivering_payload_ && msg.words[1] == delivering_ref_ &&
                       !payload_taken_,
                   "take_payload: only the payload of the message being delivered, once");
    payload_taken_ = true;
    return msg.words[1];
  }

  // --- Node services. ---
  // Sets a node's condition. Going down (from kUp) loses the messages on
  // their way to it — the connections they travelled on are gone, even if it
  // comes back before they would arrive — and runs its actor's on_down();
  // coming up runs on_up(). Between kCrashed and kRefusing only what a
  // message meets changes. REQUIRES: a node.
  void set_condition(ActorId node, NodeCondition c);
  // Whether the node exists at all: an autoscaled service's replica that
  // is not running (not yet created, or removed) is absent, its host there
  // but no process — connections are refused, as kRefusing — whatever its
  // faults say; they apply again once it is present. Nodes are present
  // unless set otherwise.
  void set_absent(ActorId node, bool absent);
  // The condition messages meet: absence, or else the faults'.
  NodeCondition condition(ActorId node) const {
    DSIM_CHECK(node < nodes_.size() && nodes_[node].zone != kNoZone);
    return nodes_[node].condition;
  }
  // The node loses its disk too: its actor's Durable state is reset
  // (sim/node_state.h). REQUIRES: the node is down.
  void lose_disk(ActorId node);
  // The node's own clock: simulated time plus an offset and a drift that
  // accrues from when it was set (a clock_skew fault); simulated time when
  // none is set. REQUIRES: a node.
  Time clock(ActorId node) const;
  void set_clock(ActorId node, Time offset, double drift);
  void reset_clock(ActorId node);

  // Bytes on the wire of the engine's refusal of a connection.
  static constexpr std::uint32_t kRefusalBytes = 64;

  // Degrades the path between zones a and b (either direction; a == b is
  // within the zone) until removed: each hop between them (an explicit link
  // joining them, or the default link when no explicit route does) gets its
  // latency multiplied by `latency_factor` and loses messages with extra
  // probability `loss`. Returns an id for remove_degradation().
  std::uint32_t add_degradation(ZoneId a, ZoneId b, double latency_factor, double loss);
  void remove_degradation(std::uint32_t id);

  std::uint64_t messages_sent() const { return sent_; }
  std::uint64_t messages_lost() const { return lost_; }
  // Metering of data moved between zones (what a cloud bills): from now on
  // the bytes of the messages sent from one zone to another at times in
  // [from, until), lost on the way or not, between two metered nodes. Off
  // unless called (then messages between zones leave the fast path).
  // REQUIRES: before finalize().
  void meter_inter_zone(Time from, Time until) {
    DSIM_CHECK(!finalized_);
    metering_ = true;
    meter_from_ = from;
    meter_until_ = until;
  }
  // A node whose traffic is not metered (the users of a design: its clients).
  void set_unmetered(ActorId node) {
    DSIM_CHECK(node < nodes_.size());
    nodes_[node].metered = false;
  }
  std::uint64_t inter_zone_bytes() const { return inter_zone_bytes_; }
  std::uint64_t messages_dropped() const { return dropped_; }
  std::size_t messages_in_flight() const { return pool_.size() - free_.size(); }

 private:
  static constexpr ZoneId kNoZone = std::numeric_limits<ZoneId>::max();

  // Delay of one hop, or -1 if the message is lost on it.
  static Time hop_delay(const LinkParams& link, std::uint32_t bytes, Rng& rng) {
    if (link.loss > 0.0 && rng.bernoulli(link.loss)) return -1;
    Time d = round_to_time(link.latency.sample(rng));
    if (link.bandwidth_bps > 0.0) d += round_to_time(static_cast<double>(bytes) * 8e9 / link.bandwidth_bps);
    return d;
  }
  // The default link's delay when it is the same for every message (constant
  // latency, no bandwidth limit, no loss), else -1: the common case, made cheap.
  Time fixed_default_delay_ = -1;
  // Per (from zone, to zone): that fixed delay where the pair uses the
  // default link, else -1 (a route of explicit links, or no fixed delay).
  std::vector<Time> fixed_delay_;

  // Any send that is not over a fixed-delay path with no degradation active.
  void send_general(const Message& msg, std::size_t pair);
  // Copies msg into a free pool slot; returns the slot.
  std::uint32_t store(const Message& msg) {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      pool_[slot] = msg;
      doomed_[slot] = 0;
    } else {
      slot = static_cast<std::uint32_t>(pool_.size());
      pool_.push_back(msg);
      doomed_.push_back(0);
    }
    return slot;
  }

  struct Degradation {
    std::uint32_t id;
    ZoneId a, b;
    double latency_factor;
    double loss;
  };
  std::vector<Degradation> degraded_;
  std::uint32_t next_degradation_ = 0;
  // Applies active degradations to one hop between zones a and b (delay in,
  // delay out, or -1 if the degradation loses the message).
  Time degrade_hop(ZoneId a, ZoneId b, Time delay, Rng& rng) const;

  // Per node, what sending needs, in one place: its zone and its stream;
  // and its condition, which delivery reads.
  struct Node {
    Rng rng;
    ZoneId zone = kNoZone;
    NodeCondition condition = NodeCondition::kUp;  // what delivery meets (condition())
    NodeCondition faults = NodeCondition::kUp;     // as set_condition set it
    bool absent = false;
    bool metered = true;
  };
  void apply_condition(ActorId node);
  struct Clock {
    bool skewed = false;
    Time offset = 0;
    double drift = 0;
    Time since = 0;
  };
  std::vector<Clock> clocks_;  // by actor id
  Payloads payloads_;
  // During the delivery of a message with a pooled payload: which one, and
  // whether the receiver took it.
  bool delivering_payload_ = false;
  std::uint64_t delivering_ref_ = 0;
  bool payload_taken_ = false;
  void release_payload(const Message& msg) {
    if (msg.has(kPooledPayload)) payloads_.release(msg.words[1]);
  }
  int nodes_down_ = 0;
  // Delivery has more to check than the common case: a filter, a node down,
  // or a message marked lost in flight.
  bool delivery_checks_ = false;
  void update_delivery_checks() { delivery_checks_ = filter_ != nullptr || nodes_down_ > 0 || any_doomed_; }
  bool any_doomed_ = false;
  // A message that could not be delivered (a filter, a doomed or refused one).
  void undeliverable(const Message& msg);

  Simulation& sim_;
  LinkParams default_;
  std::vector<std::string> zones_;
  std::vector<Link> links_;
  std::vector<Node> nodes_;
  std::vector<std::string> node_name_;
  std::size_t zone_count_ = 0;

  // Routes, flattened: route_begin_[from * zones + to] .. route_begin_[... + 1]
  // index into route_links_.
  std::vector<std::uint32_t> route_begin_;
  std::vector<LinkId> route_links_;
  bool finalized_ = false;

  std::vector<Message> pool_;
  std::vector<std::uint8_t> doomed_;  // per pool slot: lost in flight
  std::vector<std::uint32_t> free_;
  DeliveryFilter* filter_ = nullptr;

  friend class Simulation;
  std::uint64_t sent_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t dropped_ = 0;
  bool metering_ = false;
  Time meter_from_ = 0;
  Time meter_until_ = std::numeric_limits<Time>::max();
  std::uint64_t inter_zone_bytes_ = 0;
};

}  // namespace dsim
