// Reads `kind: replicated_store` (models/replicated_store.h); fields:
// scenarios/README.md, "replicated_store".
#include <algorithm>
#include <charconv>
#include <optional>

#include "dsim/loader/builtin_parsers.h"
#include "dsim/models/replicated_store.h"
#include "dsim/sim/units.h"

namespace dsim {

namespace {

bool as_bool(const ConfigNode& n) {
  const std::string t = n.text();
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  n.fail("expected true or false, got " + n.describe());
}

// ONE, TWO, THREE, QUORUM, ALL or a number of replicas, against the
// replication factor.
int consistency_level(const ConfigNode& n, int rf, const ConfigNode* rf_node) {
  const std::string t = n.text();
  int v = 0;
  if (t == "ONE" || t == "one") v = 1;
  else if (t == "TWO" || t == "two") v = 2;
  else if (t == "THREE" || t == "three") v = 3;
  else if (t == "QUORUM" || t == "quorum") v = rf / 2 + 1;
  else if (t == "ALL" || t == "all") v = rf;
  else {
    const auto res = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || res.ec != std::errc() || res.ptr != t.data() + t.size() || v < 1)
      n.fail("unknown consistency level " + n.describe() + did_you_mean(t, {"ONE", "TWO", "THREE", "QUORUM", "ALL"}) +
             "; valid: ONE, TWO, THREE, QUORUM, ALL or a number of replicas from 1 to the replication factor");
  }
  if (v > rf)
    n.fail(t + " waits for " + std::to_string(v) + " replicas, but replication_factor is " + std::to_string(rf) +
           (rf_node != nullptr ? "" : " (the default)") + ": a consistency level cannot exceed the replication factor");
  return v;
}

// Fields only one model reads.
constexpr const char* kLeaderlessOnly[] = {"vnodes",       "replication_factor", "read_consistency",
                                           "write_consistency", "coordinator", "read_repair",
                                           "hinted_handoff", "sloppy_quorum",   "anti_entropy"};
constexpr const char* kLeaderFollowerOnly[] = {"replication", "read_from", "failover", "fencing", "log_retention"};
constexpr const char* kRaftOnly[] = {"election_timeout", "heartbeat", "snapshot_every", "pre_vote", "check_quorum"};

// model: raft's own fields.
void parse_raft(MapReader& r, ReplicatedStoreSpec::Config& c) {
  // Heartbeats of at least a millisecond: a leader ticks every heartbeat
  // for the whole run.
  constexpr Time kMinHeartbeat = kMillisecond;
  c.heartbeat = 50 * kMillisecond;
  std::optional<ConfigNode> et = r.get("election_timeout");
  bool min_derived = false;
  if (et) {
    MapReader er(*et);
    const auto lo = er.get("min");
    const auto hi = er.get("max");
    if (lo) c.election_timeout_min = lo->positive_duration();
    if (hi) c.election_timeout_max = hi->positive_duration();
    // One bound given: the other keeps Raft's ratio (max = 2 x min).
    if (lo && !hi) c.election_timeout_max = 2 * c.election_timeout_min;
    if (hi && !lo) {
      c.election_timeout_min = c.election_timeout_max / 2;
      min_derived = true;
    }
    if (c.election_timeout_min > c.election_timeout_max)
      (lo ? *lo : *et).fail("election_timeout.min (" + units::format_duration(c.election_timeout_min) +
                            ") exceeds its max (" + units::format_duration(c.election_timeout_max) +
                            "): each timeout is drawn between min and max");
    er.finish();
  }
  const auto h = r.get("heartbeat");
  if (h) {
    c.heartbeat = h->positive_duration();
    if (c.heartbeat < kMinHeartbeat) h->fail("must be at least 1ms, got " + h->describe());
  }
  if (c.heartbeat >= c.election_timeout_min) {
    const std::string msg = "the heartbeat (" + units::format_duration(c.heartbeat) + (h ? "" : ", the default") +
                            ") must be shorter than election_timeout.min (" +
                            units::format_duration(c.election_timeout_min) + (min_derived ? ", half the max given" : "") +
                            "): followers would stand for election between two heartbeats";
    (h ? *h : *et).fail(msg);
  }
  if (auto v = r.get("snapshot_every")) c.snapshot_every = v->int_in(1, 1'000'000'000);
  if (auto v = r.get("pre_vote")) c.pre_vote = as_bool(*v);
  if (auto v = r.get("check_quorum")) c.check_quorum = as_bool(*v);
}

// model: leader_follower's own fields.
void parse_leader_follower(const ComponentCommon& common, MapReader& r, ReplicatedStoreSpec::Config& c) {
  using Spec = ReplicatedStoreSpec;
  if (auto v = r.get("replication")) {
    const std::string t = v->as_string();
    if (t == "async") c.replication = Spec::Replication::kAsync;
    else if (t == "semi_sync") c.replication = Spec::Replication::kSemiSync;
    else if (t == "sync") c.replication = Spec::Replication::kSync;
    else v->fail("unknown replication '" + t + "'" + did_you_mean(t, {"async", "semi_sync", "sync"}) +
                 "; valid: async (acknowledged once the leader has it), semi_sync (and one follower), sync (and "
                 "every in-sync follower)");
    if (c.replication == Spec::Replication::kSemiSync && common.replicas < 2)
      v->fail("semi_sync waits for a follower to have each write, but the store has a single node (replicas: " +
              std::to_string(common.replicas) + "); give it replicas: 2 or more, or use async");
  }
  if (auto v = r.get("read_from")) {
    const std::string t = v->as_string();
    std::vector<std::string> names;
    for (int i = 0; i < common.replicas; ++i)
      names.push_back(common.replicas_given ? common.name + "-" + std::to_string(i) : common.name);
    if (t == "leader") {
      c.read_from = Spec::ReadFrom::kLeader;
    } else if (t == "any") {
      c.read_from = Spec::ReadFrom::kAny;
    } else if (const auto it = std::find(names.begin(), names.end(), t); it != names.end()) {
      c.read_from = Spec::ReadFrom::kNode;
      c.read_node = static_cast<int>(it - names.begin());
    } else {
      std::vector<std::string> valid = {"leader", "any"};
      valid.insert(valid.end(), names.begin(), names.end());
      v->fail("read_from '" + t + "' is neither leader, any nor a node of this store" + did_you_mean(t, valid) +
              "; valid: leader, any, or one of its nodes: " + names.front() +
              (names.size() > 1 ? " .. " + names.back() : std::string()));
    }
  }
  if (auto f = r.get("failover")) {
    MapReader fr(*f);
    // Heartbeats of at least a millisecond: a node ticks every heartbeat for
    // the whole run.
    constexpr Time kMinHeartbeat = kMillisecond;
    const auto d = fr.get("detection");
    if (d) c.detection = d->positive_duration();
    c.heartbeat = std::clamp<Time>(c.detection / 3, kMinHeartbeat, kSecond);
    if (auto h = fr.get("heartbeat")) {
      c.heartbeat = h->positive_duration();
      if (c.heartbeat < kMinHeartbeat) h->fail("must be at least 1ms, got " + h->describe());
      if (c.heartbeat >= c.detection)
        h->fail("the heartbeat must be shorter than detection (" + units::format_duration(c.detection) +
                "): a leader is declared dead after detection without one");
    } else if (c.heartbeat >= c.detection) {
      d->fail("must be longer than the heartbeat (at least 1ms), got " + d->describe());
    }
    fr.finish();
  }
  if (auto v = r.get("fencing")) c.fencing = as_bool(*v);
  if (auto v = r.get("log_retention")) c.log_retention = v->int_in(1, 100'000'000);
}

}  // namespace

ParsedComponent parse_replicated_store(ComponentCommon common, MapReader& r) {
  using Spec = ReplicatedStoreSpec;
  Spec::Config c;
  const ConfigNode model = r.require("model", "how the store replicates: model: leaderless (Dynamo, Cassandra), leader_follower (a primary with replicas) or raft (consensus: etcd, Consul)");
  const std::string m = model.as_string();
  if (m == "leaderless") {
    c.model = Spec::Model::kLeaderless;
  } else if (m == "leader_follower") {
    c.model = Spec::Model::kLeaderFollower;
  } else if (m == "raft") {
    c.model = Spec::Model::kRaft;
  } else {
    model.fail("unknown model '" + m + "'" + did_you_mean(m, {"leaderless", "leader_follower", "raft"}) +
               "; valid: leaderless (Dynamo, Cassandra), leader_follower (a primary with replicas), raft "
               "(consensus: etcd, Consul)");
  }
  // Another model's fields are refused, at the field.
  const auto refuse = [&](Spec::Model owner, const auto& fields) {
    if (c.model == owner) return;
    for (const char* f : fields)
      if (auto n = r.get(f))
        n->fail(std::string(f) + " applies to model: " + Spec::model_name(owner) + "; this store's model is " + m, true);
  };
  refuse(Spec::Model::kLeaderless, kLeaderlessOnly);
  refuse(Spec::Model::kLeaderFollower, kLeaderFollowerOnly);
  refuse(Spec::Model::kRaft, kRaftOnly);

  // Each node's coordinator keeps a word per node (what it suspects): a
  // thousand nodes is 8 MB in all.
  if (common.replicas > 1'000) {
    const auto where = r.get("replicas");
    (where ? *where : r.node())
        .fail("a replicated_store has at most 1000 nodes (replicas), got " + std::to_string(common.replicas));
  }
  if (auto w = r.get("workers")) c.workers = read_workers(*w, common.replicas);
  if (auto s = r.get("service_time")) c.service_time = s->as_duration_distribution();
  if (auto s = r.get("read_service_time")) c.read_service_time = s->as_duration_distribution();
  if (auto s = r.get("write_service_time")) c.write_service_time = s->as_duration_distribution();
  if (auto q = r.get("queue_capacity")) c.queue_capacity = read_queue_capacity(*q, "operations");
  if (auto d = r.get("durable")) c.durable = as_bool(*d);

  if (c.model == Spec::Model::kLeaderFollower) parse_leader_follower(common, r, c);
  if (c.model == Spec::Model::kRaft) parse_raft(r, c);

  const auto rf_node = r.get("replication_factor");
  if (rf_node) {
    c.replication_factor = static_cast<int>(rf_node->int_in(1, Spec::kMaxReplicationFactor));
    if (c.replication_factor > common.replicas)
      rf_node->fail("is " + std::to_string(c.replication_factor) + " but the store has " +
                    std::to_string(common.replicas) + " node" + (common.replicas == 1 ? "" : "s") +
                    " (replicas): each key needs that many distinct nodes");
  } else {
    c.replication_factor = std::min(3, common.replicas);
  }
  const ConfigNode* rfp = rf_node ? &*rf_node : nullptr;
  if (auto v = r.get("vnodes")) {
    c.vnodes = static_cast<int>(v->int_in(1, 4096));
    if (static_cast<std::int64_t>(c.vnodes) * common.replicas > 4'000'000)
      v->fail("replicas x vnodes is over 4000000 ring positions; lower vnodes");
  } else if (static_cast<std::int64_t>(c.vnodes) * common.replicas > 4'000'000) {
    r.node().fail("replicas x vnodes (16 by default) is over 4000000 ring positions; give fewer vnodes");
  }
  if (auto v = r.get("read_consistency")) c.read_consistency = consistency_level(*v, c.replication_factor, rfp);
  if (auto v = r.get("write_consistency")) c.write_consistency = consistency_level(*v, c.replication_factor, rfp);
  if (auto v = r.get("coordinator")) {
    const std::string t = v->as_string();
    if (t == "node") c.coordinator = Spec::Coordinator::kNode;
    else if (t == "client") c.coordinator = Spec::Coordinator::kClient;
    else v->fail("unknown coordinator '" + t + "'" + did_you_mean(t, {"node", "client"}) +
                 "; valid: node (the node a request reaches coordinates), client (a token-aware driver)");
  }
  if (auto v = r.get("read_repair")) {
    c.read_repair = v->as_fraction();
    if (!(c.read_repair >= 0) || c.read_repair > 1) v->fail("must be a probability from 0 to 100%, got " + v->describe());
  }
  if (auto h = r.get("hinted_handoff")) {
    if (h->is_scalar()) {
      if (!as_bool(*h)) c.hinted_handoff.reset();
    } else {
      MapReader hr(*h);
      Spec::HintedHandoff hh;
      if (auto w = hr.get("window")) hh.window = w->positive_duration();
      if (auto w = hr.get("retry")) hh.retry = w->positive_duration();
      hr.finish();
      c.hinted_handoff = hh;
    }
  }
  if (auto s = r.get("sloppy_quorum")) {
    c.sloppy_quorum = as_bool(*s);
    if (c.sloppy_quorum && !c.hinted_handoff)
      s->fail("a sloppy quorum's stand-ins hand writes back through hints: it needs hinted_handoff (remove "
              "hinted_handoff: false)");
  }
  if (auto a = r.get("anti_entropy")) {
    if (a->is_scalar()) {
      if (as_bool(*a)) a->fail("give the interval between rounds, e.g. anti_entropy: {interval: 10m}");
    } else {
      MapReader ar(*a);
      c.anti_entropy_interval = ar.require("interval", "how often each node syncs with its peers, e.g. 10m")
                                    .positive_duration();
      ar.finish();
    }
  }
  if (auto t = r.get("call_timeout")) c.call_timeout = t->positive_duration();
  if (auto s = r.get("request_size")) c.request_size = read_message_size(*s);
  if (auto s = r.get("response_size")) c.response_size = read_message_size(*s);
  ParsedComponent out;
  out.spec = std::make_unique<Spec>(std::move(common), std::move(c));
  return out;
}

}  // namespace dsim
