#include "cache.h"

#include <cstdint>

#include "dsim/models/occupancy.h"
#include "dsim/models/rpc.h"
#include "dsim/models/world.h"
#include "dsim/sim/check.h"
#include "dsim/sim/slot_table.h"

namespace custom {

namespace {

enum EventKind : std::uint16_t { kHitDone = 1, kCallTimeout = 2 };

// A request waiting for its answer: a hit being served, or a miss at the backend.
struct Pending {
  dsim::ActorId caller = 0;
  dsim::Handle reply_to{};
  dsim::Time arrived = 0;
  bool measured = false;
  dsim::Time due = 0;  // hits: when the answer is due
};

class CacheReplica final : public dsim::ReplicaActor {
 public:
  CacheReplica(const CacheSpec& spec, int index, dsim::BuildContext& ctx)
      : cfg_(spec.config()), sim_(ctx.sim), rng_(ctx.sim.stream(spec.replica_name(index))) {
    occupancy_.init(ctx.warmup, ctx.duration, 0);
  }

  // Called by ReplicatedInstance once the actor has its id.
  void bind() { calls_.bind(sim_, actor_id(), kCallTimeout); }
  void set_backends(std::vector<dsim::ActorId> ids) { backends_ = std::move(ids); }

  void on_message(const dsim::Message& msg) override {
    using dsim::MsgType;
    if (dsim::is_answer(msg)) {  // from the backend: relay it
      const dsim::Handle h = dsim::handle_of(msg);
      const Pending* p = calls_.find(h);
      if (p == nullptr) return;  // after our timeout
      const Pending done = *p;
      calls_.finish(h);
      answer(done, dsim::answer_status(msg));
    } else if (dsim::is_type(msg, MsgType::kRequest)) {
      const dsim::Time now = sim_.now();
      Pending p{msg.src, dsim::handle_of(msg), now, occupancy_.accept(now)};
      if (rng_.bernoulli(cfg_.hit_ratio)) {
        if (p.measured) ++hits_;
        p.due = now + dsim::round_to_time(cfg_.hit_time.sample(rng_));
        const dsim::Handle h = hits_pending_.acquire();
        hits_pending_.at(h.slot) = p;
        sim_.schedule(p.due, actor_id(), kHitDone, h.slot);
      } else {
        if (p.measured) ++misses_;
        const dsim::ActorId to = backends_[next_++ % backends_.size()];
        dsim::Network& net = sim_.network();
        const dsim::RequestContext ctx = dsim::context_of(net, msg);
        const dsim::Handle h = calls_.start(ctx.budget, p);
        net.send(dsim::make_request(net, actor_id(), to, h, msg.bytes, ctx));
      }
    } else if (dsim::is_type(msg, MsgType::kHealthCheck)) {
      dsim::answer_health_check(sim_.network(), actor_id(), msg);
    }
  }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    if (kind == kHitDone) {
      // A hit scheduled before a crash finds its slot released, or taken by
      // a later hit due at another time: ignore it.
      if (!hits_pending_.is_live_slot(arg) || hits_pending_.at(arg).due != sim_.now()) return;
      const Pending p = hits_pending_.at(arg);
      hits_pending_.release(dsim::Handle{arg, hits_pending_.gen_of(arg)});
      answer(p, dsim::Status::kOk);
    } else if (kind == kCallTimeout) {
      calls_.on_timer(arg, [this](dsim::Handle, const Pending& p) { answer(p, dsim::Status::kTimeout); });
    } else {
      DSIM_CHECK_MSG(false, "cache: unknown event kind");
    }
  }

  // A crash: pending hits and misses are lost, unanswered.
  void on_down() override {
    const dsim::Time now = sim_.now();
    calls_.for_each([&](dsim::Handle, const Pending&) { occupancy_.lose(now); });
    calls_.drop_all();
    hits_pending_.for_each_live([&](dsim::Handle h, Pending&) {
      occupancy_.lose(now);
      hits_pending_.release(h);
    });
  }

  dsim::Occupancy& occupancy() { return occupancy_; }
  const dsim::Occupancy& occupancy() const { return occupancy_; }
  std::uint64_t hits() const { return hits_; }
  std::uint64_t misses() const { return misses_; }

 private:
  void answer(const Pending& p, dsim::Status status) {
    occupancy_.depart(sim_.now(), p.arrived, p.measured);
    sim_.network().send(dsim::make_response(actor_id(), p.caller, p.reply_to, 1000, status));
  }

  const CacheSpec::Config& cfg_;
  dsim::Simulation& sim_;
  dsim::Rng rng_;
  std::vector<dsim::ActorId> backends_;
  std::size_t next_ = 0;
  dsim::CallTracker<Pending> calls_;     // misses at the backend
  dsim::SlotTable<Pending> hits_pending_;  // hits being served
  dsim::Occupancy occupancy_;
  std::uint64_t hits_ = 0, misses_ = 0;
};

// ServerInstance builds one CacheReplica per replica and reports their
// occupancy; this adds the backend's actors and the hit counts.
class CacheInstance final : public dsim::ServerInstance<CacheSpec, CacheReplica> {
 public:
  using ServerInstance::ServerInstance;

  void connect(const dsim::World& world) override {
    for (auto& r : replicas_) r->set_backends(world.nodes_named(spec_.config().backend));
  }

  void record(dsim::ComponentRecord& out) const override {
    ServerInstance::record(out);
    std::uint64_t hits = 0, misses = 0;
    for (const auto& r : replicas_) {
      hits += r->hits();
      misses += r->misses();
    }
    out.extra.emplace_back("hits", static_cast<double>(hits));
    out.extra.emplace_back("misses", static_cast<double>(misses));
  }
};

}  // namespace

CacheSpec::CacheSpec(dsim::ComponentCommon common, Config config)
    : ComponentSpec(std::move(common)), config_(std::move(config)) {
  DSIM_CHECK(config_.hit_ratio >= 0 && config_.hit_ratio <= 1);
  DSIM_CHECK(!config_.backend.empty());
}

std::unique_ptr<dsim::ComponentInstance> CacheSpec::instantiate(dsim::BuildContext& ctx) const {
  return std::make_unique<CacheInstance>(*this, ctx);
}

dsim::ParsedComponent parse_cache(dsim::ComponentCommon common, dsim::MapReader& fields) {
  CacheSpec::Config c;
  if (auto h = fields.get("hit_ratio")) c.hit_ratio = h->as_fraction();
  if (auto t = fields.get("hit_time")) c.hit_time = t->as_duration_distribution();
  const dsim::ConfigNode backend = fields.require("backend", "the component behind the cache, e.g. backend: db");
  c.backend = backend.as_name();  // a located message for anything but a name
  const std::string self = common.name;
  dsim::ParsedComponent out;
  out.spec = std::make_unique<CacheSpec>(std::move(common), std::move(c));
  // Once every component is known: the backend must exist and serve requests.
  out.check_references = [backend, self](const dsim::ComponentIndex& index) {
    if (index.lookup(backend, true).name() == self) backend.fail("a cache cannot be its own backend");
  };
  return out;
}

}  // namespace custom
