#include "dsim/models/pbs_probe.h"

#include <algorithm>

#include "dsim/models/events.h"
#include "dsim/models/operation.h"
#include "dsim/models/rpc.h"
#include "dsim/models/world.h"
#include "dsim/sim/slot_table.h"

namespace dsim {

namespace {
enum EventKind : std::uint16_t { kTrialStart = 1, kRead = 2 };

class ProbeActor final : public ReplicaActor, private DriverHost {
 public:
  ProbeActor(const PbsProbeSpec& spec, int index, BuildContext& ctx)
      : spec_(spec),
        cfg_(spec.config()),
        index_(index),
        sim_(ctx.sim),
        observed_(ctx.sim.bus().channel<ProbeObserved>()),
        failed_(ctx.sim.bus().channel<ProbeTrialFailed>()) {
    const auto n = static_cast<std::uint64_t>(spec.replica_count());
    const auto total = static_cast<std::uint64_t>(cfg_.trials);
    trials_ = total / n + (static_cast<std::uint64_t>(index) < total % n ? 1 : 0);
    // Every trial reads at 0 (k-staleness) and at each t of the grid.
    reads_ = cfg_.t;
    if (reads_.empty() || reads_.front() != 0) reads_.insert(reads_.begin(), 0);
  }

  void bind() {}

  void connect(const ComponentInstance* target) {
    DSIM_CHECK(target != nullptr);
    driver_ = target->make_driver(*this, DriverOptions{.always = true, .read_repair = false});
    DSIM_CHECK_MSG(driver_ != nullptr, "pbs_probe: the target offers no driver (not a leaderless store)");
  }

  // Trials start every interval from time 0, replicas staggered across one.
  void start() {
    if (trials_ == 0) return;
    sim_.begin_work();  // the whole campaign: the run waits for its last read
    const Time first = cfg_.interval / spec_.replica_count() * index_;
    sim_.schedule(first, actor_id(), kTrialStart, 0);
  }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    if (kind >= kDriverEventBase) {
      driver_->on_event(kind, arg);
      return;
    }
    switch (kind) {
      case kTrialStart:
        if (++started_ < trials_) sim_.schedule_after(cfg_.interval, actor_id(), kTrialStart, 0);
        start_trial();
        return;
      case kRead: {
        const Handle h{arg, ops_.gen_of(arg)};
        Op* op = ops_.find(h);
        DSIM_CHECK(op != nullptr);
        const Trial& tr = trials_table_.at(op->trial.slot);
        driver_->start(h, RequestContext{cfg_.timeout, actor_id(), Operation::kRead, tr.key, 0});
        return;
      }
      default:
        DSIM_CHECK_MSG(false, "pbs_probe: unknown event kind");
    }
  }

  void on_message(const Message& msg) override {
    const bool mine = driver_->on_message(msg);
    DSIM_CHECK_MSG(mine, "pbs_probe: a message that is not its driver's");
  }

  std::uint64_t trials_failed() const { return trials_failed_; }
  std::uint64_t trials_done() const { return done_; }

 private:
  struct Trial {
    std::uint64_t key = 0;
    std::uint64_t first_write = 0;  // write number of its first version
    std::uint32_t written = 0;
    std::uint32_t reads_left = 0;
    std::uint64_t number = 0;
  };
  struct Op {
    Handle trial{};
    bool write = true;
    Time t = 0;  // reads: after the last commit
  };

  // DriverHost.
  Simulation& sim() override { return sim_; }
  ActorId actor() const override { return actor_id(); }
  std::string stream_name() const override { return spec_.replica_name(index_) + "/driver"; }

  void start_trial() {
    const Handle th = trials_table_.acquire();
    Trial& tr = trials_table_.at(th.slot);
    tr.key = make_fresh_key(actor_id(), next_key_++);
    tr.first_write = writes_;
    writes_ += static_cast<std::uint64_t>(cfg_.k);
    DSIM_CHECK_MSG(writes_ <= kMaxWritesPerClient, "pbs_probe: more writes than values to tell them apart");
    tr.written = 0;
    tr.reads_left = 0;
    tr.number = trial_number_++;
    write_next(th);
  }

  void write_next(Handle th) {
    const Trial& tr = trials_table_.at(th.slot);
    const Handle oh = ops_.acquire();
    ops_.at(oh.slot) = Op{th, true, 0};
    const std::uint64_t value = make_write_value(actor_id(), tr.first_write + tr.written);
    driver_->start(oh, RequestContext{cfg_.timeout, actor_id(), Operation::kWrite, tr.key, value});
  }

  void driver_done(Handle h, std::uint16_t status, bool has_value, std::uint64_t value, std::int64_t) override {
    Op* found = ops_.find(h);
    if (found == nullptr) return;
    const Op op = *found;
    ops_.release(h);
    Trial& tr = trials_table_.at(op.trial.slot);
    const bool ok = static_cast<Status>(status) == Status::kOk;
    if (op.write) {
      if (!ok) {
        ++trials_failed_;
        if (failed_.active()) failed_.publish(ProbeTrialFailed{actor_id(), tr.number});
        finish_trial(op.trial);
        return;
      }
      if (++tr.written < static_cast<std::uint32_t>(cfg_.k)) {
        write_next(op.trial);
        return;
      }
      // The last version committed: the reads, at exactly t after now.
      tr.reads_left = static_cast<std::uint32_t>(reads_.size());
      for (const Time t : reads_) {
        const Handle rh = ops_.acquire();
        ops_.at(rh.slot) = Op{op.trial, false, t};
        sim_.schedule_after(t, actor_id(), kRead, rh.slot);
      }
      return;
    }
    const auto versions = static_cast<std::uint32_t>(cfg_.k);
    ProbeObserved e;
    e.probe = actor_id();
    e.trial = tr.number;
    e.t = op.t;
    e.versions = versions;
    e.failed = !ok || !has_value;
    if (!e.failed) e.behind = behind(tr, value);
    if (observed_.active()) observed_.publish(e);
    if (--tr.reads_left == 0) finish_trial(op.trial);
  }

  // How many versions older than the trial's last the value is (the
  // initial value: all of them).
  std::uint32_t behind(const Trial& tr, std::uint64_t value) const {
    const auto versions = static_cast<std::uint32_t>(cfg_.k);
    for (std::uint32_t j = 0; j < versions; ++j)
      if (value == make_write_value(actor_id(), tr.first_write + j)) return versions - 1 - j;
    return versions;
  }

  void finish_trial(Handle th) {
    trials_table_.release(th);
    if (++done_ == trials_) sim_.end_work();
  }

  const PbsProbeSpec& spec_;
  const PbsProbeSpec::Config& cfg_;
  int index_;
  Simulation& sim_;
  const Channel<ProbeObserved>& observed_;
  const Channel<ProbeTrialFailed>& failed_;
  std::vector<Time> reads_;
  std::unique_ptr<ClientDriver> driver_;
  SlotTable<Trial> trials_table_;
  SlotTable<Op> ops_;
  std::uint64_t trials_ = 0;   // this replica's share
  std::uint64_t started_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t trials_failed_ = 0;
  std::uint64_t trial_number_ = 0;
  std::uint64_t next_key_ = 0;
  std::uint64_t writes_ = 0;
};

class ProbeInstance final : public ReplicatedInstance<PbsProbeSpec, ProbeActor> {
 public:
  using ReplicatedInstance::ReplicatedInstance;

  void connect(const World& world) override {
    const ComponentInstance* target = world.component_named(spec_.config().target);
    for (auto& r : replicas_) r->connect(target);
  }
  void start() override {
    for (auto& r : replicas_) r->start();
  }
  void record(ComponentRecord& out) const override {
    std::uint64_t done = 0, failed = 0;
    for (const auto& r : replicas_) {
      done += r->trials_done();
      failed += r->trials_failed();
    }
    out.extra.emplace_back("trials", static_cast<double>(done));
    out.extra.emplace_back("trials_failed", static_cast<double>(failed));
  }
};

}  // namespace

PbsProbeSpec::PbsProbeSpec(ComponentCommon common, Config config)
    : ComponentSpec(std::move(common)), config_(std::move(config)) {
  DSIM_CHECK(!config_.t.empty() && std::is_sorted(config_.t.begin(), config_.t.end()) && config_.t.front() >= 0);
  DSIM_CHECK(config_.trials >= 1 && config_.interval > 0 && config_.k >= 1 && config_.timeout > 0);
}

PbsProbeSpec::~PbsProbeSpec() = default;

Time PbsProbeSpec::request_lifetime() const {
  // The last trial starts by trials × interval; its k writes and its last
  // read each end within the timeout, the reads start up to max(t) late.
  const Time starts = sat_mul(config_.interval, config_.trials);
  const Time ops = sat_mul(config_.timeout, config_.k + 1);
  return sat_add(sat_add(starts, ops), config_.t.back());
}

std::unique_ptr<ComponentInstance> PbsProbeSpec::instantiate(BuildContext& ctx) const {
  return std::make_unique<ProbeInstance>(*this, ctx);
}

}  // namespace dsim
