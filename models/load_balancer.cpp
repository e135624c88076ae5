#include "dsim/models/load_balancer.h"

#include <algorithm>
#include <cmath>

#include "dsim/models/events.h"
#include "dsim/models/occupancy.h"
#include "dsim/models/rpc.h"
#include "dsim/models/world.h"

namespace dsim {

namespace {
enum EventKind : std::uint16_t { kCallTimeout = 1, kCheckTick = 2, kCheckTimeout = 3 };

class BalancerReplica final : public ReplicaActor {
 public:
  BalancerReplica(const LoadBalancerSpec& spec, int index, BuildContext& ctx)
      : cfg_(spec.config()),
        sim_(ctx.sim),
        health_changed_(ctx.sim.bus().channel<BackendHealthChanged>()),
        proxied_(ctx.sim.bus().channel<RequestProxied>()),
        rng_(ctx.sim.stream(spec.replica_name(index))) {
    occupancy_.init(ctx.warmup, ctx.duration, 0);
  }

  void bind() {
    calls_.bind(sim_, actor_id(), kCallTimeout);
    checks_.bind(sim_, actor_id(), kCheckTimeout);
  }

  // Health checks start at time 0, staggered evenly over one interval.
  void start() {
    if (!cfg_.health_check) return;
    const auto n = static_cast<Time>(backends_.size());
    for (std::size_t b = 0; b < backends_.size(); ++b)
      sim_.schedule(cfg_.health_check->interval * static_cast<Time>(b) / n, actor_id(), kCheckTick,
                    static_cast<std::uint32_t>(b));
  }

  void on_down() override {
    const Time now = sim_.now();
    calls_.for_each([&](Handle, const Proxied&) { occupancy_.lose(now); });
    calls_.drop_all();
    checks_.drop_all();
    for (auto& b : backends_) b.active = 0;
    down_ = true;
  }
  void on_up() override {
    // A restarted balancer trusts every backend again until checks say otherwise.
    down_ = false;
    for (auto& b : backends_) {
      const std::uint64_t marked = b.health.marked_down;
      b.health = Health{};
      b.health.marked_down = marked;
    }
    update_eligible();
  }

  // A backend replica joins or leaves the rotation (an autoscaled service's
  // came up or began draining); one that joins is a fresh server, trusted
  // until its checks say otherwise.
  void set_in_rotation(ActorId id, bool in) {
    for (BackendState& b : backends_) {
      if (b.id != id || b.in_rotation == in) continue;
      b.in_rotation = in;
      if (in) {
        const std::uint64_t marked = b.health.marked_down;
        b.health = Health{};
        b.health.marked_down = marked;
      }
    }
    update_eligible();
  }

  // The backends, all in the rotation but those in `out` (sorted).
  void set_backends(const std::vector<ActorId>& ids, const std::vector<double>& weights,
                    const std::vector<ActorId>& out) {
    backends_.clear();
    for (std::size_t i = 0; i < ids.size(); ++i)
      backends_.push_back(BackendState{ids[i], !std::binary_search(out.begin(), out.end(), ids[i]), weights[i], 0,
                                       0.0, 0, {}});
    update_eligible();
  }

  void on_message(const Message& msg) override {
    if (is_answer(msg)) {
      on_response(msg);
    } else if (is_type(msg, MsgType::kRequest)) {
      on_request(msg);
    } else if (is_health_answer(msg)) {
      const Handle h = handle_of(msg);
      const CheckPending* p = checks_.find(h);
      if (p == nullptr) return;  // after its timeout
      const std::uint32_t b = p->backend;
      checks_.finish(h);
      check_result(b, answer_status(msg) == Status::kOk);
    } else if (is_type(msg, MsgType::kHealthCheck)) {
      answer_health_check(sim_.network(), actor_id(), msg);
    }
  }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    switch (kind) {
      case kCallTimeout:
        calls_.on_timer(arg, [this](Handle, const Proxied& p) { relay(p, 0, Status::kTimeout); });
        return;
      case kCheckTick: {
        const LoadBalancerSpec::HealthCheck& hc = *cfg_.health_check;
        sim_.schedule_after(hc.interval, actor_id(), kCheckTick, arg);
        BackendState& b = backends_[arg];
        if (down_ || !b.in_rotation) return;  // a dead balancer checks nothing, nor a replica not serving
        if (b.health.outstanding) {
          // Its timeout is due now (timeout = interval): count it as failed
          // before sending the next probe, whichever event runs first.
          checks_.finish(b.health.probe);
          check_result(arg, false);
        }
        b.health.outstanding = true;
        const Handle h = checks_.start(hc.timeout, CheckPending{arg});
        b.health.probe = h;
        Message m = make_request(actor_id(), b.id, h, 64, RequestContext{hc.timeout, actor_id()});
        m.type = static_cast<std::uint16_t>(MsgType::kHealthCheck);
        sim_.network().send(m);
        return;
      }
      case kCheckTimeout:
        checks_.on_timer(arg, [this](Handle, const CheckPending& p) { check_result(p.backend, false); });
        return;
      default:
        DSIM_CHECK_MSG(false, "load_balancer: unknown event kind");
    }
  }

  Occupancy& occupancy() { return occupancy_; }
  const Occupancy& occupancy() const { return occupancy_; }
  std::uint64_t forwarded(std::size_t b) const { return backends_[b].forwarded; }
  std::uint64_t marked_down(std::size_t b) const { return backends_[b].health.marked_down; }

 private:
  // HAProxy's view of a backend: up until `fall` checks in a row fail, then
  // down until `rise` in a row succeed.
  struct Health {
    bool up = true;
    bool outstanding = false;  // a check is in flight ...
    Handle probe{};            // ... this one
    std::int64_t fails = 0;    // consecutive
    std::int64_t passes = 0;   // consecutive
    std::uint64_t marked_down = 0;
  };
  struct BackendState {
    ActorId id;
    bool in_rotation;  // an autoscaled backend's replica that takes requests now (beside id: no padding)
    double weight;
    std::int64_t active;  // requests forwarded and not yet answered
    double current;       // smooth weighted round robin state
    std::uint64_t forwarded;
    Health health;
  };
  struct CheckPending {
    std::uint32_t backend = 0;
  };

  void check_result(std::uint32_t b, bool ok) {
    const LoadBalancerSpec::HealthCheck& hc = *cfg_.health_check;
    BackendState& be = backends_[b];
    Health& h = be.health;
    h.outstanding = false;
    if (ok) {
      h.fails = 0;
      if (!h.up && ++h.passes >= hc.rise) {
        h.up = true;
        h.passes = 0;
        update_eligible();
        if (health_changed_.active()) health_changed_.publish(BackendHealthChanged{actor_id(), be.id, sim_.now(), true});
      }
    } else {
      h.passes = 0;
      if (h.up && ++h.fails >= hc.fall) {
        h.up = false;
        h.fails = 0;
        ++h.marked_down;
        update_eligible();
        if (health_changed_.active()) health_changed_.publish(BackendHealthChanged{actor_id(), be.id, sim_.now(), false});
      }
    }
  }
  struct Proxied {
    ActorId caller = 0;
    Handle reply_to{};
    std::uint32_t backend = 0;
    Time arrived = 0;
    bool measured = false;
    ActorId origin = 0;  // the client replica the request came from
  };

  // The backend for the next request, among the eligible ones (weight above
  // zero). REQUIRES: !eligible_.empty().
  std::uint32_t pick() {
    const auto n = static_cast<std::uint32_t>(eligible_.size());
    auto weight = [this](std::uint32_t i) { return backends_[i].weight; };
    auto load = [this](std::uint32_t i) {
      return static_cast<double>(backends_[i].active) / backends_[i].weight;
    };
    switch (cfg_.policy) {
      case LoadBalancerSpec::Policy::kRoundRobin: {
        if (rr_ >= n) rr_ = 0;
        return eligible_[rr_++];
      }
      case LoadBalancerSpec::Policy::kWeightedRoundRobin: {
        // Smooth weighted round robin (nginx): every backend gains its weight,
        // the largest is chosen and pays back the total. Spreads picks evenly.
        double total = 0;
        std::uint32_t best = eligible_[0];
        for (const std::uint32_t i : eligible_) {
          backends_[i].current += weight(i);
          total += weight(i);
          if (backends_[i].current > backends_[best].current) best = i;
        }
        backends_[best].current -= total;
        return best;
      }
      case LoadBalancerSpec::Policy::kRandom: {
        if (uniform_) return eligible_[rng_.below(n)];
        double total = 0;
        for (const std::uint32_t i : eligible_) total += weight(i);
        double x = rng_.uniform() * total;
        for (const std::uint32_t i : eligible_) {
          if (x < weight(i)) return i;
          x -= weight(i);
        }
        return eligible_.back();
      }
      case LoadBalancerSpec::Policy::kLeastConnections: {
        // Fewest active requests per unit of weight; ties go round robin.
        if (rr_ >= n) rr_ = 0;
        std::uint32_t best = eligible_[rr_];
        for (std::uint32_t k = 1; k < n; ++k) {
          const std::uint32_t i = eligible_[(rr_ + k) % n];
          if (load(i) < load(best)) best = i;
        }
        ++rr_;
        return best;
      }
      case LoadBalancerSpec::Policy::kPowerOfTwoChoices: {
        if (n == 1) return eligible_[0];
        const auto a = static_cast<std::uint32_t>(rng_.below(n));
        auto b = static_cast<std::uint32_t>(rng_.below(n - 1));
        if (b >= a) ++b;
        return load(eligible_[b]) < load(eligible_[a]) ? eligible_[b] : eligible_[a];
      }
    }
    return eligible_[0];
  }

  void update_eligible() {
    eligible_.clear();
    for (std::uint32_t i = 0; i < backends_.size(); ++i)
      if (backends_[i].weight > 0 && backends_[i].health.up && backends_[i].in_rotation) eligible_.push_back(i);
    uniform_ = true;
    for (const std::uint32_t i : eligible_)
      if (backends_[i].weight != backends_[eligible_[0]].weight) uniform_ = false;
  }

  void on_request(const Message& msg) {
    const Time now = sim_.now();
    if (eligible_.empty()) {
      occupancy_.reject(now);
      sim_.network().send(make_response(actor_id(), msg.src, handle_of(msg), 0, Status::kUnavailable));
      return;
    }
    const std::uint32_t b = pick();
    BackendState& backend = backends_[b];
    ++backend.active;
    const bool measured = occupancy_.accept(now);
    if (measured) ++backend.forwarded;
    // The request goes on as it came (operation, key, budget; a write's
    // payload taken along), addressed to the backend and answered to us.
    Network& net = sim_.network();
    const auto budget = static_cast<Time>(msg.words[0]);
    const Time timeout = cfg_.call_timeout ? *cfg_.call_timeout : budget;
    const Handle h = calls_.start(timeout, Proxied{msg.src, handle_of(msg), b, now, measured, msg.origin});
    Message fwd = msg;
    fwd.src = actor_id();
    fwd.dst = backend.id;
    fwd.token = h.slot;
    fwd.gen = h.gen;
    if (msg.has(kPooledPayload)) [[unlikely]]
      fwd.words[1] = net.take_payload(msg);
    net.send(fwd);
  }

  void on_response(const Message& msg) {
    const Handle h = handle_of(msg);
    const Proxied* p = calls_.find(h);
    if (p == nullptr) return;  // the backend answered after the timeout
    const Proxied done = *p;
    calls_.finish(h);
    relay(done, msg.bytes, answer_status(msg), msg.has(kRefused) ? nullptr : &msg);
  }

  // Answers the caller; with the backend's answer, what it carries (a
  // store's value) goes along.
  void relay(const Proxied& p, std::uint32_t bytes, Status status, const Message* answer = nullptr) {
    --backends_[p.backend].active;
    occupancy_.depart(sim_.now(), p.arrived, p.measured);
    if (proxied_.active())
      proxied_.publish(RequestProxied{actor_id(), backends_[p.backend].id, p.origin, p.arrived, sim_.now(), status});
    Message m = make_response(actor_id(), p.caller, p.reply_to, bytes, status);
    if (answer != nullptr && answer->tag != 0) [[unlikely]] {
      m.tag = answer->tag;
      m.words[0] = answer->words[0];
      m.words[1] = answer->words[1];
    }
    sim_.network().send(m);
  }

  const LoadBalancerSpec::Config& cfg_;
  Simulation& sim_;
  const Channel<BackendHealthChanged>& health_changed_;
  const Channel<RequestProxied>& proxied_;
  Rng rng_;
  bool down_ = false;
  CallTracker<CheckPending> checks_;
  std::vector<BackendState> backends_;
  std::vector<std::uint32_t> eligible_;  // indices of backends that may be picked
  bool uniform_ = true;                  // all eligible weights equal
  std::uint32_t rr_ = 0;
  CallTracker<Proxied> calls_;
  Occupancy occupancy_;
};

class BalancerInstance final : public ServerInstance<LoadBalancerSpec, BalancerReplica> {
 public:
  using ServerInstance::ServerInstance;

  // Backends named by component expand to all its replicas, in order.
  void connect(const World& world) override {
    std::vector<ActorId> ids;
    std::vector<double> weights;
    for (const auto& b : spec_.config().backends)
      for (const ActorId id : world.nodes_named(b.name)) {
        ids.push_back(id);
        weights.push_back(b.weight);
        backend_names_.push_back(world.node_name(id));
      }
    const std::vector<ActorId> out = world.follow_rotation(ids, [this](ActorId id, bool in) {
      for (auto& r : replicas_) r->set_in_rotation(id, in);
    });
    for (auto& r : replicas_) r->set_backends(ids, weights, out);
  }

  void start() override {
    for (auto& r : replicas_) r->start();
  }

  void record(ComponentRecord& out) const override {
    ServerInstance::record(out);
    for (std::size_t b = 0; b < backend_names_.size(); ++b) {
      std::uint64_t n = 0;
      for (const auto& r : replicas_) n += r->forwarded(b);
      out.extra.emplace_back("backends/" + backend_names_[b] + "/requests", static_cast<double>(n));
      if (spec_.config().health_check) {
        std::uint64_t down = 0;
        for (const auto& r : replicas_) down += r->marked_down(b);
        out.extra.emplace_back("backends/" + backend_names_[b] + "/marked_down", static_cast<double>(down));
      }
    }
  }

 private:
  std::vector<std::string> backend_names_;
};

}  // namespace

const std::vector<std::string>& LoadBalancerSpec::policy_names() {
  static const std::vector<std::string> kNames = {"round_robin", "weighted_round_robin", "random",
                                                  "least_connections", "power_of_two_choices"};
  return kNames;
}

const char* LoadBalancerSpec::policy_name(Policy p) { return policy_names()[static_cast<std::size_t>(p)].c_str(); }

LoadBalancerSpec::LoadBalancerSpec(ComponentCommon common, Config config)
    : ComponentSpec(std::move(common)), config_(std::move(config)) {
  DSIM_CHECK(!config_.backends.empty());
  for (const auto& b : config_.backends) DSIM_CHECK(b.weight >= 0);
}

LoadBalancerSpec::~LoadBalancerSpec() = default;

std::vector<std::string> LoadBalancerSpec::downstream() const {
  std::vector<std::string> out;
  for (const auto& b : config_.backends) out.push_back(b.name);
  return out;
}

std::vector<double> LoadBalancerSpec::downstream_per_request() const {
  std::vector<double> out;
  for (const auto& b : config_.backends)
    out.push_back(config_.policy == Policy::kRoundRobin ? (b.weight > 0 ? 1.0 : 0.0) : b.weight);
  return out;
}

std::unique_ptr<ComponentInstance> LoadBalancerSpec::instantiate(BuildContext& ctx) const {
  return std::make_unique<BalancerInstance>(*this, ctx);
}

}  // namespace dsim
