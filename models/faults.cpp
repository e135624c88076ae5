#include "dsim/models/faults.h"

#include <algorithm>
#include <cmath>

#include "dsim/models/rpc.h"
#include "dsim/models/scenario_spec.h"
#include "dsim/models/world.h"

namespace dsim {

bool FaultInjector::Partition::allows(ActorId src, ActorId dst) const {
  const std::uint16_t a = src < group.size() ? group[src] : 0;
  const std::uint16_t b = dst < group.size() ? group[dst] : 0;
  switch (rule) {
    case Rule::kGroups:
      return a == b;
    case Rule::kOneWay:
      return !(a == 1 && b == 2);
    case Rule::kBridge:
      return !((a == 0 && b == 1) || (a == 1 && b == 0));
  }
  return true;
}

FaultInjector::FaultInjector(World& world, Simulation& sim, const ScenarioSpec& spec)
    : world_(world),
      sim_(sim),
      spec_(spec),
      began_(sim.bus().channel<FaultBegan>()),
      ended_(sim.bus().channel<FaultEnded>()),
      replica_changed_(sim.bus().channel<ReplicaStateChanged>()) {
  sim_.add_actor(*this);
  nodes_.assign(sim_.actor_count(), NodeState{});
  for (std::size_t c = 0; c < world_.component_count(); ++c) {
    ComponentInstance& inst = world_.component(c);
    for (int i = 0; i < inst.replica_count(); ++i)
      nodes_[inst.replica_actors()[static_cast<std::size_t>(i)]].actor = &inst.replica_actor(i);
  }
  for (const auto& spec_f : spec_.failures) {
    const ComponentInstance& inst = world_.component(spec_f.component);
    for (int i = 0; i < inst.replica_count(); ++i) {
      const std::string& name = inst.spec().replica_name(i);
      failing_.push_back(FailingReplica{&spec_f, inst.replica_actors()[static_cast<std::size_t>(i)], name,
                                        sim_.stream(name + "/failures"), 0});
    }
  }
  bool network_faults = !spec_.failures.empty();
  for (const auto& f : spec_.faults)
    if (f.kind != FaultSpec::Kind::kSlow && f.kind != FaultSpec::Kind::kDegradeLink &&
        f.kind != FaultSpec::Kind::kClockSkew)
      network_faults = true;
  if (network_faults) sim_.network().set_delivery_filter(this);
  DSIM_CHECK(failing_.size() < (1u << 31) && spec_.faults.size() < (1u << 31));
}

FaultInjector::~FaultInjector() = default;

ActorId FaultInjector::node_id(const NodeRef& n) const {
  return world_.component(n.component).replica_actors()[static_cast<std::size_t>(n.replica)];
}

void FaultInjector::start() {
  const std::vector<FaultSpec>& faults = spec_.faults;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    sim_.schedule(faults[i].at, actor_id(), kStart, static_cast<std::uint32_t>(i));
    if (faults[i].until) sim_.schedule(*faults[i].until, actor_id(), kEnd, static_cast<std::uint32_t>(i));
  }
  fault_id_.assign(faults.size(), 0);
  active_.assign(faults.size(), false);
  partition_of_fault_.resize(faults.size());
  degradation_of_fault_.assign(faults.size(), 0);
  for (std::size_t i = 0; i < failing_.size(); ++i) {
    FailingReplica& f = failing_[i];
    const Time t = round_to_time(f.spec->up.sample(f.rng));
    // Failures after the arrivals stop do not matter to any figure.
    if (t < spec_.duration) sim_.schedule(t, actor_id(), kFail, static_cast<std::uint32_t>(i));
  }
}

void FaultInjector::on_event(std::uint16_t kind, std::uint32_t arg) {
  const Time now = sim_.now();
  if (healed_) return;  // settling: nothing begins or ends any more
  switch (kind) {
    case kStart:
      begin(arg);
      return;
    case kEnd:
      end(arg);
      return;
    case kFail: {
      FailingReplica& f = failing_[arg];
      f.down = true;
      const Time repair = round_to_time(f.spec->repair.sample(f.rng));
      f.fault_id = fault_began("failure", f.name, now, now + repair, {f.node});
      set_down(f.node, false, +1);
      sim_.schedule(now + repair, actor_id(), kRepair, arg);
      return;
    }
    case kRepair: {
      FailingReplica& f = failing_[arg];
      f.down = false;
      set_down(f.node, false, -1);
      if (ended_.active()) ended_.publish(FaultEnded{f.fault_id, now});
      const Time next = now + round_to_time(f.spec->up.sample(f.rng));
      if (next < spec_.duration) sim_.schedule(next, actor_id(), kFail, arg);
      return;
    }
    default:
      DSIM_CHECK_MSG(false, "faults: unknown event kind");
  }
}

void FaultInjector::heal_all() {
  for (std::size_t i = 0; i < active_.size(); ++i)
    if (active_[i]) end(i);
  for (FailingReplica& f : failing_) {
    if (!f.down) continue;
    f.down = false;
    set_down(f.node, false, -1);
    if (ended_.active()) ended_.publish(FaultEnded{f.fault_id, sim_.now()});
  }
  healed_ = true;
}

void FaultInjector::begin(std::size_t i) {
  const FaultSpec& f = spec_.faults[i];
  active_[i] = true;
  std::vector<ActorId> affected;
  for (const auto& n : f.nodes) affected.push_back(node_id(n));
  for (const auto& g : f.groups)
    for (const auto& n : g) affected.push_back(node_id(n));
  fault_id_[i] = fault_began(f.kind_name, f.target, f.at, f.until, std::move(affected));
  switch (f.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kOneWayPartition:
    case FaultSpec::Kind::kIsolate:
    case FaultSpec::Kind::kBridge: {
      auto p = std::make_unique<Partition>();
      p->group.assign(nodes_.size(), 0);
      if (f.kind == FaultSpec::Kind::kPartition) {
        p->rule = Partition::Rule::kGroups;
        for (std::size_t g = 0; g < f.groups.size(); ++g)
          for (const auto& n : f.groups[g]) p->group[node_id(n)] = static_cast<std::uint16_t>(g);
      } else if (f.kind == FaultSpec::Kind::kOneWayPartition) {
        p->rule = Partition::Rule::kOneWay;
        for (const auto& n : f.groups[0]) p->group[node_id(n)] = 1;
        for (const auto& n : f.groups[1]) p->group[node_id(n)] = 2;
      } else if (f.kind == FaultSpec::Kind::kIsolate) {
        p->rule = Partition::Rule::kGroups;
        for (const auto& n : f.groups[0]) p->group[node_id(n)] = 1;
      } else {
        p->rule = Partition::Rule::kBridge;
        for (const auto& n : f.groups[1]) p->group[node_id(n)] = 1;
        for (const auto& n : f.groups[2]) p->group[node_id(n)] = 2;
      }
      // Messages on the wire across the new cut are lost too.
      const Partition& cut = *p;
      sim_.network().drop_in_flight([&cut](const Message& m) { return !cut.allows(m.src, m.dst); });
      partitions_.push_back(p.get());
      partition_of_fault_[i] = std::move(p);
      return;
    }
    case FaultSpec::Kind::kCrash:
    case FaultSpec::Kind::kZoneOutage:
      for (const auto& n : f.nodes) set_down(node_id(n), false, +1);
      return;
    case FaultSpec::Kind::kKill:
      for (const auto& n : f.nodes) set_down(node_id(n), true, +1);
      return;
    case FaultSpec::Kind::kSlow:
      for (const auto& n : f.nodes) set_slow(node_id(n), f.factor, true);
      return;
    case FaultSpec::Kind::kDegradeLink: {
      Network& net = sim_.network();
      const std::uint32_t id =
          net.add_degradation(*net.find_zone(f.zone_a), *net.find_zone(f.zone_b), f.factor, f.loss);
      degradation_of_fault_[i] = id;
      return;
    }
    case FaultSpec::Kind::kClockSkew:
      for (const auto& n : f.nodes) sim_.network().set_clock(node_id(n), f.offset, f.drift);
      return;
  }
}

void FaultInjector::end(std::size_t i) {
  const FaultSpec& f = spec_.faults[i];
  if (!active_[i]) return;  // healed already
  active_[i] = false;
  switch (f.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kOneWayPartition:
    case FaultSpec::Kind::kIsolate:
    case FaultSpec::Kind::kBridge:
      partitions_.erase(std::find(partitions_.begin(), partitions_.end(), partition_of_fault_[i].get()));
      partition_of_fault_[i].reset();
      break;
    case FaultSpec::Kind::kCrash:
    case FaultSpec::Kind::kZoneOutage:
      for (const auto& n : f.nodes) set_down(node_id(n), false, -1);
      break;
    case FaultSpec::Kind::kKill:
      for (const auto& n : f.nodes) set_down(node_id(n), true, -1);
      break;
    case FaultSpec::Kind::kSlow:
      for (const auto& n : f.nodes) set_slow(node_id(n), f.factor, false);
      break;
    case FaultSpec::Kind::kDegradeLink:
      sim_.network().remove_degradation(degradation_of_fault_[i]);
      break;
    case FaultSpec::Kind::kClockSkew:
      for (const auto& n : f.nodes) sim_.network().reset_clock(node_id(n));
      break;
  }
  if (ended_.active()) ended_.publish(FaultEnded{fault_id_[i], sim_.now()});
}

void FaultInjector::set_down(ActorId node, bool kill, int delta) {
  NodeState& n = nodes_[node];
  const bool was_up = n.crashed == 0 && n.killed == 0;
  (kill ? n.killed : n.crashed) += delta;
  DSIM_CHECK(n.crashed >= 0 && n.killed >= 0);
  const bool is_up = n.crashed == 0 && n.killed == 0;
  // A crash wins over a kill: a host that is down refuses nothing.
  const NodeCondition c = is_up ? NodeCondition::kUp : n.crashed > 0 ? NodeCondition::kCrashed : NodeCondition::kRefusing;
  if (was_up != is_up && replica_changed_.active())
    replica_changed_.publish(ReplicaStateChanged{node, sim_.now(), is_up, c == NodeCondition::kRefusing});
  // The engine drops what is on its way to a node going down and runs its
  // on_down() (or on_up()).
  sim_.network().set_condition(node, c);
}

void FaultInjector::set_slow(ActorId node, double factor, bool add) {
  NodeState& n = nodes_[node];
  if (add) {
    n.slow.push_back(factor);
  } else {
    const auto it = std::find(n.slow.begin(), n.slow.end(), factor);
    DSIM_CHECK(it != n.slow.end());
    n.slow.erase(it);
  }
  double product = 1.0;
  for (const double f : n.slow) product *= f;
  n.actor->set_slowdown(product);
}

bool FaultInjector::allow(const Message& msg) {
  for (const auto& p : partitions_)
    if (!p->allows(msg.src, msg.dst)) return false;
  return true;
}

std::size_t FaultInjector::fault_began(const std::string& kind, const std::string& target, Time at,
                                       std::optional<Time> until, std::vector<ActorId> affected) {
  const std::size_t id = next_fault_id_++;
  if (began_.active()) {
    std::sort(affected.begin(), affected.end());
    affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
    began_.publish(FaultBegan{id, kind, target, at, until, affected});
  }
  return id;
}


}  // namespace dsim
