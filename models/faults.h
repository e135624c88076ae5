// Faults: the scenario's `faults:` schedule, random failures, and the state
// they put nodes and the network in.
//
// Scheduled faults (`faults:`), each from `at` for `for` (or to the end):
//   partition     groups that cannot reach each other ([[a, b], [c]]), or one
//                 way ({from: [a], to: [b]}); unlisted nodes join the first group
//   isolate       one node (or component, or zone) cut off from everyone else
//   bridge        two halves that each reach one shared node (Jepsen's bridge)
//   crash         the host is down: messages to it are dropped, its work lost
//   kill          the process is dead but the host answers: requests refused
//   zone_outage   every server in a zone crashes
//   slow          service times multiplied by `factor` (a gray failure)
//   degrade_link  latency multiplied and extra loss between two zones
//   clock_skew    a node's clock runs off by an offset plus a drift
// Random failures (`failures:` on a component): each replica alternates
// between up and crashed, with times drawn from its own stream.
//
// Partitions and down nodes act when a message would be delivered (the
// network's DeliveryFilter), so messages in flight when a fault begins are
// lost. A crash calls the replica's go_down() (its work is lost) and, at the
// end, come_up(). Every fault, and every random failure, becomes a FaultRecord
// in the run's summary, with when a balancer detected it and when
// availability recovered (models/request_metrics.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/component.h"
#include "models/config.h"
#include "models/record.h"
#include "sim/distribution.h"
#include "sim/network.h"
#include "sim/simulation.h"

namespace dsim {

// One replica of one component.
struct NodeRef {
  const Component* component = nullptr;
  int replica = 0;
  bool operator==(const NodeRef&) const = default;
};

struct FaultSpec {
  enum class Kind {
    kPartition,
    kOneWayPartition,
    kIsolate,
    kBridge,
    kCrash,
    kKill,
    kZoneOutage,
    kSlow,
    kDegradeLink,
    kClockSkew,
  };
  Kind kind = Kind::kCrash;
  std::string kind_name;  // as written in YAML
  std::string target;     // as reported: "app-1", "[[clients, lb], [app-1]]"
  Time at = 0;
  std::optional<Time> until;
  // Partitions: groups in order (group 0 also holds every unlisted node).
  // One-way: {from, to}. Isolate: {{node}}. Bridge: {half A, half B, {via}}.
  std::vector<std::vector<NodeRef>> groups;
  // Crash, kill, zone outage, slow, clock skew: the nodes it acts on.
  std::vector<NodeRef> nodes;
  std::string zone_a, zone_b;  // degrade_link
  double factor = 1.0;         // slow; degrade_link's latency factor
  double loss = 0.0;           // degrade_link
  Time offset = 0;             // clock_skew
  double drift = 0.0;          // clock_skew, seconds per second
};

// `failures:` of one component.
struct FailureSpec {
  const Component* component = nullptr;
  Distribution up;      // time to failure, ns
  Distribution repair;  // time to repair, ns
  bool exponential = true;
  int required = 1;  // available while at least this many replicas are up
  double mtbf_ns = 0;
  double mttr_ns = 0;
};

// Reads the `faults:` list. Names refer to replicas, components or zones.
// Throws DiagnosticError on a mistake.
std::vector<FaultSpec> parse_faults(const ConfigNode& list, Time duration,
                                    const std::vector<std::unique_ptr<Component>>& components,
                                    const std::vector<std::string>& zones);
// Reads a component's `failures:` mapping.
FailureSpec parse_failures(const ConfigNode& node, const Component& component);

class RequestMetrics;

class FaultInjector final : public Actor, public DeliveryFilter {
 public:
  // `horizon_slack`: the longest a client request can take to fail (its
  // timeouts); a fault's visible effect is looked for until it ends plus this.
  FaultInjector(Simulation& sim, RequestMetrics& metrics, Time warmup, Time duration, Time horizon_slack);
  ~FaultInjector() override;

  // Before start(): the components (all built), the schedule, random failures.
  void setup(const std::vector<std::unique_ptr<Component>>& components, std::vector<FaultSpec> faults,
             std::vector<FailureSpec> failures);
  // Schedules the faults and the first random failures.
  void start();

  void on_event(std::uint16_t kind, std::uint32_t arg) override;
  bool allow(const Message& msg) override;

  // A balancer's health checks marked a backend down (for detected_s).
  void backend_marked_down(ActorId backend, Time now);

  // A node's own clock (clock_skew): simulated time plus its skew.
  Time clock(ActorId node) const;

  // After the run: the fault records (impact filled in from metrics) and
  // each tracked component's availability, into `out`.
  void finish(RunRecord& out);

 private:
  struct NodeState {
    ReplicaActor* actor = nullptr;
    int component = -1;  // index into comps_, -1 for non-servers
    bool server = false;
    int crashed = 0;
    int killed = 0;
    std::vector<double> slow;  // active slowdown factors
    Time skew_offset = 0;
    double skew_drift = 0;
    Time skew_since = 0;
    bool skewed = false;
  };
  struct ComponentUptime {
    const Component* component = nullptr;
    int replicas = 0;
    int required = 1;
    int up = 0;
    bool tracked = false;
    Time last = 0;
    __int128 available_ns = 0;  // time with >= required up, within [warmup, duration)
    const FailureSpec* failures = nullptr;
  };
  struct Partition {
    enum class Rule { kGroups, kOneWay, kBridge } rule;
    std::vector<std::uint16_t> group;  // per actor id
    bool allows(ActorId src, ActorId dst) const;
  };
  struct ActiveRecord {
    std::size_t record;
    std::vector<ActorId> affected;  // sorted
    std::optional<Time> until;
  };

  enum EventKind : std::uint16_t { kStart = 1, kEnd = 2, kFail = 3, kRepair = 4 };

  ActorId node_id(const NodeRef& n) const;
  void begin(std::size_t i);
  void end(std::size_t i);
  void set_down(ActorId node, bool kill, int delta);
  void set_slow(ActorId node, double factor, bool add);
  void account(ComponentUptime& c);
  std::size_t open_record(const std::string& kind, const std::string& target, Time at,
                          std::optional<Time> until, std::vector<ActorId> affected);
  void close_record(std::size_t record);

  Simulation& sim_;
  RequestMetrics& metrics_;
  Time warmup_;
  Time duration_;
  Time horizon_slack_;
  std::vector<NodeState> nodes_;  // by actor id
  std::vector<ComponentUptime> comps_;
  std::vector<FaultSpec> faults_;
  std::vector<FailureSpec> failures_;
  // Random failures: one entry per replica of a component with `failures:`.
  struct FailingReplica {
    const FailureSpec* spec;
    ActorId node;
    std::string name;
    Rng rng;
    std::size_t record = 0;
  };
  std::vector<FailingReplica> failing_;
  std::vector<const Partition*> partitions_;  // active, in start order
  // Per scheduled fault: its partition while active, its network degradation id.
  std::vector<std::unique_ptr<Partition>> partition_of_fault_;
  std::vector<std::uint32_t> degradation_of_fault_;
  std::vector<std::size_t> fault_record_;  // record index of each scheduled fault
  std::vector<FaultRecord> records_;
  std::vector<ActiveRecord> active_;
  int nodes_not_up_ = 0;  // any node crashed or killed: the filter has work
};

}  // namespace dsim
