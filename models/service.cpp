#include "dsim/models/service.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "dsim/models/events.h"
#include "dsim/models/occupancy.h"
#include "dsim/models/rotation.h"
#include "dsim/models/rpc.h"
#include "dsim/models/world.h"
#include "dsim/sim/ring_buffer.h"

namespace dsim {

namespace {
enum EventKind : std::uint16_t { kServiceDone = 1, kCallTimeout = 2 };

class ServiceReplica final : public ReplicaActor {
 public:
  ServiceReplica(const ServiceSpec& spec, int index, BuildContext& ctx)
      : cfg_(spec.config()),
        sim_(ctx.sim),
        handled_(ctx.sim.bus().channel<RequestHandled>()),
        rng_(ctx.sim.stream(spec.replica_name(index))),
        workers_(static_cast<std::size_t>(cfg_.workers)) {
    occupancy_.init(ctx.warmup, ctx.duration, static_cast<std::uint64_t>(cfg_.workers));
    free_.reserve(workers_.size());
    for (std::size_t w = workers_.size(); w > 0; --w) free_.push_back(static_cast<std::uint32_t>(w - 1));
    // Room for a busy queue up front (a few tens of KB), so that a queue
    // that wanders to new lengths does not allocate mid-run; longer queues
    // still grow, geometrically.
    // (Small for wide components, whose replicas are each lightly loaded.)
    const std::int64_t kInitialQueue = spec.replica_count() <= 64 ? 256 : 16;
    queue_.reserve(static_cast<std::size_t>(
        cfg_.queue_capacity >= 0 ? std::min(cfg_.queue_capacity, kInitialQueue) : kInitialQueue));
  }

  void bind() { calls_.bind(sim_, actor_id(), kCallTimeout); }

  // Each call's replicas, and those of them out of the rotation now.
  void set_call_targets(const std::vector<std::vector<ActorId>>& targets, const std::vector<std::vector<ActorId>>& out) {
    call_targets_.resize(targets.size());
    for (std::size_t c = 0; c < targets.size(); ++c) call_targets_[c].set(targets[c], out[c]);
    next_target_.assign(call_targets_.size(), 0);
  }
  // A replica of call c's component joined or left the rotation.
  void set_call_target(std::size_t c, ActorId id, bool in) {
    call_targets_[c].change(id, in);
    if (next_target_[c] >= call_targets_[c].live().size()) next_target_[c] = 0;
  }

  void on_message(const Message& msg) override {
    if (is_answer(msg)) {
      on_response(msg);
    } else if (is_type(msg, MsgType::kRequest)) {
      on_request(msg);
    } else if (is_type(msg, MsgType::kHealthCheck)) {
      answer_health_check(sim_.network(), actor_id(), msg);
    }
  }

  void on_down() override {
    // Everything in progress is lost: no answers, calls forgotten, workers
    // idle, the queue empty. Stale service-completion events are recognised
    // by their time (Worker::done_at) and ignored.
    const Time now = sim_.now();
    calls_.drop_all();
    while (!queue_.empty()) {
      queue_.pop_front();
      occupancy_.queued(now, -1);
      occupancy_.lose(now);
    }
    free_.clear();
    for (std::size_t w = workers_.size(); w > 0; --w) {
      Worker& worker = workers_[w - 1];
      if (worker.busy) {
        occupancy_.busy(now, -1);
        occupancy_.lose(now);
        busy_done_ += static_cast<std::uint64_t>(now - worker.started);
      }
      worker = Worker{};
      free_.push_back(static_cast<std::uint32_t>(w - 1));
    }
  }
  void on_up() override {}  // already empty
  void set_slowdown(double factor) override { slowdown_ = factor; }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    switch (kind) {
      case kServiceDone: {
        Worker& worker = workers_[arg];
        // A completion scheduled before a crash finds the worker idle or on
        // a later job (due at another time): ignore it.
        if (!worker.in_service || worker.done_at != sim_.now()) return;
        worker.in_service = false;
        after_step(arg);
        return;
      }
      case kCallTimeout:
        calls_.on_timer(arg, [this](Handle, const PendingCall& p) { finish(p.worker, Status::kTimeout); });
        return;
      default:
        DSIM_CHECK_MSG(false, "service: unknown event kind");
    }
  }

  Occupancy& occupancy() { return occupancy_; }
  const Occupancy& occupancy() const { return occupancy_; }

  // Worker time spent on requests since time 0, up to `now` (ns × workers):
  // what an autoscaler's utilisation is measured from.
  // Modulo 2^64 (differences between two readings are exact).
  std::uint64_t busy_time(Time now) const {
    std::uint64_t t = busy_done_;
    for (const Worker& w : workers_)
      if (w.busy) t += static_cast<std::uint64_t>(now - w.started);
    return t;
  }
  bool idle() const { return queue_.empty() && free_.size() == workers_.size(); }
  // Writes it accepted in the measurement window and gave a worker.
  std::uint64_t writes_taken() const { return writes_taken_; }
  // Draining: `drained` runs once nothing is left (not called if idle
  // already); an empty function stops waiting.
  void on_drained(std::function<void()> drained) { drained_ = std::move(drained); }

 private:
  struct Job {
    ActorId caller = 0;
    Handle reply_to{};
    RequestContext ctx;
    Time arrived = 0;
    bool measured = false;
  };
  struct Worker {
    Job job;
    std::uint32_t next_call = 0;  // index into cfg_.calls of the next call
    bool busy = false;            // has a job (in service or waiting on a call)
    bool in_service = false;      // a completion event is due at done_at
    Time done_at = 0;
    Time started = 0;             // when a worker took the job
    AnswerValue answer;           // what the last call answered (a store's value), relayed
  };
  struct PendingCall {
    std::uint32_t worker = 0;
  };

  void on_request(const Message& msg) {
    const Time now = sim_.now();
    const bool has_worker = !free_.empty();
    if (!has_worker && cfg_.queue_capacity >= 0 &&
        queue_.size() >= static_cast<std::size_t>(cfg_.queue_capacity)) {
      occupancy_.reject(now);
      reply(msg.src, handle_of(msg), Status::kRejected);
      return;
    }
    Job job{msg.src, handle_of(msg), context_of(sim_.network(), msg), now, occupancy_.accept(now)};
    if (has_worker) {
      begin(job);
    } else {
      queue_.push_back(job);
      occupancy_.queued(now, +1);
    }
  }

  void begin(const Job& job) {
    const std::uint32_t w = free_.back();
    free_.pop_back();
    occupancy_.busy(sim_.now(), +1);
    Worker& worker = workers_[w];
    worker.job = job;
    worker.next_call = 0;
    worker.busy = true;
    worker.in_service = true;
    worker.started = sim_.now();
    if (job.ctx.op != Operation::kRequest) [[unlikely]]
      operation_begun(worker, job);
    double d = cfg_.service_time.sample(rng_);
    if (slowdown_ != 1.0) d *= slowdown_;
    worker.done_at = sim_.now() + round_to_time(d);
    sim_.schedule(worker.done_at, actor_id(), kServiceDone, w);
  }

  // The worker finished its service time or a call: make the next call or answer.
  void after_step(std::uint32_t w) {
    Worker& worker = workers_[w];
    if (worker.next_call < call_targets_.size()) {
      const std::uint32_t c = worker.next_call++;
      const std::vector<ActorId>& replicas = call_targets_[c].live();
      const ActorId target = replicas[next_target_[c]];
      if (++next_target_[c] == replicas.size()) next_target_[c] = 0;
      const Time timeout = cfg_.call_timeout ? *cfg_.call_timeout : worker.job.ctx.budget;
      const Handle h = calls_.start(timeout, PendingCall{w});
      Network& net = sim_.network();
      net.send(make_request(net, actor_id(), target, h, cfg_.request_size, worker.job.ctx));
      return;
    }
    finish(w, Status::kOk);
  }

  void on_response(const Message& msg) {
    const Handle h = handle_of(msg);
    const PendingCall* p = calls_.find(h);
    if (p == nullptr) return;  // the call already timed out
    const std::uint32_t w = p->worker;
    calls_.finish(h);
    const Status status = answer_status(msg);
    if (workers_[w].job.ctx.op != Operation::kRequest) [[unlikely]]
      keep_answer(workers_[w], status, answer_value(msg));
    if (status != Status::kOk) {
      finish(w, status);
    } else {
      after_step(w);
    }
  }

  // A read or write: keep a store's value (the last one), and whether a
  // write may have reached it, for the answer to the caller.
  static void keep_answer(Worker& worker, Status status, const AnswerValue& a) {
    if (a.present) worker.answer = a;
    if (a.maybe_applied || (a.present && status == Status::kOk && worker.job.ctx.op == Operation::kWrite))
      worker.answer.maybe_applied = true;
  }

  void finish(std::uint32_t w, Status status) {
    const Time now = sim_.now();
    const Job job = workers_[w].job;
    workers_[w].busy = false;
    if (job.ctx.op == Operation::kRequest) [[likely]] {
      reply(job.caller, job.reply_to, status);
    } else {
      AnswerValue answer = workers_[w].answer;
      if (status == Status::kOk) answer.maybe_applied = false;  // no need to say
      else answer.present = false;                              // a failure carries no value
      reply(job.caller, job.reply_to, status, answer);
    }
    if (handled_.active())
      handled_.publish(RequestHandled{actor_id(), job.ctx.origin, job.arrived, workers_[w].started, now, status});
    occupancy_.depart(now, job.arrived, job.measured);
    occupancy_.busy(now, -1);
    busy_done_ += static_cast<std::uint64_t>(now - workers_[w].started);
    free_.push_back(w);
    if (!queue_.empty()) {
      const Job next = queue_.front();
      queue_.pop_front();
      occupancy_.queued(now, -1);
      begin(next);
    } else if (drained_) [[unlikely]] {
      if (idle()) std::exchange(drained_, nullptr)();
    }
  }

  void reply(ActorId to, Handle h, Status status) {
    sim_.network().send(make_response(actor_id(), to, h, cfg_.response_size, status));
  }
  void reply(ActorId to, Handle h, Status status, const AnswerValue& value) {
    Message m = make_response(actor_id(), to, h, cfg_.response_size, status);
    set_answer_value(m, value);
    sim_.network().send(m);
  }

  const ServiceSpec::Config& cfg_;
  Simulation& sim_;
  const Channel<RequestHandled>& handled_;
  Rng rng_;
  std::vector<Worker> workers_;
  std::vector<std::uint32_t> free_;
  RingBuffer<Job> queue_;
  std::vector<RotationTargets> call_targets_;
  std::vector<std::size_t> next_target_;
  CallTracker<PendingCall> calls_;
  Occupancy occupancy_;
  double slowdown_ = 1.0;
  std::uint64_t busy_done_ = 0;    // worker time of requests finished (or lost), modulo 2^64
  std::function<void()> drained_;  // while draining (autoscaling)
  std::uint64_t writes_taken_ = 0;  // writes accepted in the window and given a worker

  // A read or write of a key (not a plain request) begins: out of the
  // common path, which plain requests take.
  [[gnu::noinline, gnu::cold]] void operation_begun(Worker& worker, const Job& job) {
    worker.answer = {};
    if (job.ctx.op == Operation::kWrite && job.measured) ++writes_taken_;
  }
};

// An autoscaled service's replicas over the run: which exist, which serve,
// the HPA controller's syncs, and the replica count's integral
// (models/autoscaling.h). Its actor only keeps time: syncs, replicas
// becoming ready, drains running out.
class Scaling final : public Actor {
 public:
  enum class Stage : std::uint8_t { kAbsent, kStarting, kReady, kDraining };

  Scaling(const ServiceSpec& spec, std::vector<std::unique_ptr<ServiceReplica>>& replicas,
          const std::vector<ActorId>& actors, BuildContext& ctx)
      : cfg_(*spec.config().autoscaling),
        workers_(spec.config().workers),
        hpa_(cfg_),
        sim_(ctx.sim),
        replicas_(replicas),
        actors_(actors),
        scaled_(ctx.sim.bus().channel<ReplicasScaled>()),
        staged_(ctx.sim.bus().channel<ReplicaStageChanged>()),
        warmup_(ctx.warmup),
        duration_(ctx.duration),
        window_(std::max<Time>(1, ctx.window)) {
    sim_.add_actor(*this);
    const auto n = replicas.size();
    stage_.assign(n, Stage::kAbsent);
    since_.assign(n, 0);
    busy_at_sync_.assign(n, 0);
    for (std::int64_t i = 0; i < cfg_.initial; ++i) stage_[static_cast<std::size_t>(i)] = Stage::kReady;
    existing_ = min_seen_ = max_seen_ = cfg_.initial;
    window_area_.assign(static_cast<std::size_t>((duration_ + window_ - 1) / window_), 0);
  }

  bool serving(int i) const { return stage_[static_cast<std::size_t>(i)] == Stage::kReady; }
  void watch(ComponentInstance::RotationWatcher w) { watchers_.push_back(std::move(w)); }

  void start() {
    // The replicas not running at first are not there at all.
    for (std::size_t i = 0; i < stage_.size(); ++i)
      if (stage_[i] == Stage::kAbsent) sim_.network().set_absent(actors_[i], true);
    if (cfg_.sync_period < duration_) sim_.schedule(cfg_.sync_period, actor_id(), kSync, 0);
  }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    const Time now = sim_.now();
    switch (kind) {
      case kSync:  // within the run's duration only
        sync(now);
        if (now + cfg_.sync_period < duration_) sim_.schedule(now + cfg_.sync_period, actor_id(), kSync, 0);
        return;
      case kReady:  // unless it was removed (or reclaimed) since
        if (stage_[arg] == Stage::kStarting && since_[arg] + cfg_.startup == now) set_stage(arg, Stage::kReady, now);
        return;
      case kDrainTimeout:
        if (stage_[arg] == Stage::kDraining && since_[arg] + cfg_.drain_timeout == now) remove(arg, now);
        return;
      default:
        DSIM_CHECK_MSG(false, "service autoscaling: unknown event kind");
    }
  }

  // After the run: the count's integral closed at the end of the duration
  // (or where a stopped run ended).
  void finish(Time at) {
    end_ = std::min(duration_, at);
    integrate(end_);
  }

  void record(ComponentRecord& out) const {
    const auto extra = [&out](const char* k, double v) { out.extra.emplace_back(k, v); };
    extra("autoscaling/scale_ups", static_cast<double>(scale_ups_));
    extra("autoscaling/scale_downs", static_cast<double>(scale_downs_));
    extra("autoscaling/min_seen", static_cast<double>(min_seen_));
    extra("autoscaling/max_seen", static_cast<double>(max_seen_));
    extra("autoscaling/replica_seconds", replica_seconds());
    std::vector<double> mean(window_area_.size());
    for (std::size_t w = 0; w < mean.size(); ++w) {
      const Time start = static_cast<Time>(w) * window_;
      const Time len = std::min(window_, end_ - start);
      mean[w] = len > 0 ? static_cast<double>(window_area_[w]) / static_cast<double>(len) : 0.0;
    }
    out.series.emplace_back("replicas", std::move(mean));
  }
  // The windows tile [0, duration): their areas add up to the whole.
  double replica_seconds() const {
    __int128 area = 0;
    for (const __int128 a : window_area_) area += a;
    return static_cast<double>(area) / 1e9;
  }
  // Replica-seconds within the measurement window [warmup, duration).
  double measured_replica_seconds() const { return static_cast<double>(measured_area_) / 1e9; }

 private:
  enum EventKind : std::uint16_t { kSync = 1, kReady = 2, kDrainTimeout = 3 };

  // One HPA sync: measure the ready replicas, decide, act. Measured are
  // those ready (and running) for the whole period since the last sync;
  // the others counted (starting, ready since, crashed) are unready, as
  // the HPA sets aside pods whose metrics window began before they were
  // ready.
  void sync(Time now) {
    std::int64_t current = 0, ready = 0, unready = 0;
    std::uint64_t busy = 0;
    for (std::size_t i = 0; i < stage_.size(); ++i) {
      // Busy worker time since the last sync: exact in modular arithmetic
      // however long the run.
      const std::uint64_t b = replicas_[i]->busy_time(now);
      const std::uint64_t since_sync = b - busy_at_sync_[i];
      busy_at_sync_[i] = b;
      if (stage_[i] != Stage::kStarting && stage_[i] != Stage::kReady) continue;
      ++current;
      const bool measured = stage_[i] == Stage::kReady && since_[i] <= last_sync_ &&
                            sim_.network().condition(actors_[i]) == NodeCondition::kUp;
      if (!measured) {
        ++unready;
        continue;
      }
      ++ready;
      busy += since_sync;
    }
    const Time period = now - last_sync_;
    last_sync_ = now;
    const double utilization =
        ready > 0 ? static_cast<double>(busy) /
                        (static_cast<double>(workers_) * static_cast<double>(ready) * static_cast<double>(period))
                  : 0.0;
    const HorizontalAutoscaler::Decision d = hpa_.sync(now, current, ready, utilization, unready);
    if (d.replicas == current) return;
    if (scaled_.active())
      scaled_.publish(ReplicasScaled{actors_[0], now, current, d.replicas, d.recommended, utilization});
    if (d.replicas > current) {
      ++scale_ups_;
      for (std::int64_t k = current; k < d.replicas; ++k) add(now);
    } else {
      ++scale_downs_;
      for (std::int64_t k = d.replicas; k < current; ++k) take_away(now);
    }
  }

  // One more replica: a new one (lowest index not running), or, if every
  // one runs, a draining one kept after all.
  void add(Time now) {
    for (std::size_t i = 0; i < stage_.size(); ++i) {
      if (stage_[i] != Stage::kAbsent) continue;
      sim_.network().set_absent(actors_[i], false);
      set_stage(i, Stage::kStarting, now);
      sim_.schedule(now + cfg_.startup, actor_id(), kReady, static_cast<std::uint32_t>(i));
      return;
    }
    for (std::size_t i = 0; i < stage_.size(); ++i) {
      if (stage_[i] != Stage::kDraining) continue;
      replicas_[i]->on_drained(nullptr);
      set_stage(i, Stage::kReady, now);
      return;
    }
    DSIM_CHECK_MSG(false, "autoscaling: no replica to add beyond max");
  }

  // One replica fewer: a starting one if any (it serves nobody yet), else
  // the highest-index ready one, which drains.
  void take_away(Time now) {
    for (std::size_t i = stage_.size(); i-- > 0;)
      if (stage_[i] == Stage::kStarting) return remove(i, now);
    for (std::size_t i = stage_.size(); i-- > 0;) {
      if (stage_[i] != Stage::kReady) continue;
      set_stage(i, Stage::kDraining, now);
      if (replicas_[i]->idle()) return remove(i, now);
      replicas_[i]->on_drained([this, i] { remove(i, sim_.now()); });
      sim_.schedule(now + cfg_.drain_timeout, actor_id(), kDrainTimeout, static_cast<std::uint32_t>(i));
      return;
    }
    DSIM_CHECK_MSG(false, "autoscaling: no replica to take away below min");
  }

  void remove(std::size_t i, Time now) {
    replicas_[i]->on_drained(nullptr);
    set_stage(i, Stage::kAbsent, now);
    sim_.network().set_absent(actors_[i], true);  // anything left is lost
  }

  void set_stage(std::size_t i, Stage to, Time now) {
    const Stage from = stage_[i];
    stage_[i] = to;
    since_[i] = now;
    const bool existed = from != Stage::kAbsent;
    const bool exists = to != Stage::kAbsent;
    if (existed != exists) {
      integrate(now);
      existing_ += exists ? 1 : -1;
      if (now < duration_) {
        min_seen_ = std::min(min_seen_, existing_);
        max_seen_ = std::max(max_seen_, existing_);
      }
    }
    if ((from == Stage::kReady) != (to == Stage::kReady))
      for (const auto& w : watchers_) w(actors_[i], to == Stage::kReady);
    if (staged_.active()) {
      static constexpr std::string_view kNames[] = {"removed", "created", "ready", "draining"};
      staged_.publish(ReplicaStageChanged{actors_[i], now, kNames[static_cast<int>(to)], existing_});
    }
  }

  // The replica count's integral up to `now` (clipped to the duration),
  // exact in integer nanoseconds: within the measurement window
  // and per report window.
  void integrate(Time now) {
    const Time to = std::min(now, duration_);
    if (to <= integrated_to_) return;
    const auto n = static_cast<__int128>(existing_);
    const Time m_from = std::max(integrated_to_, warmup_);
    if (to > m_from) measured_area_ += n * (to - m_from);
    for (Time t = integrated_to_; t < to;) {
      const Time w = t / window_;
      const Time end = std::min(to, (w + 1) * window_);
      window_area_[static_cast<std::size_t>(w)] += n * (end - t);
      t = end;
    }
    integrated_to_ = to;
  }

  const AutoscalingConfig& cfg_;
  std::int64_t workers_;
  HorizontalAutoscaler hpa_;
  Simulation& sim_;
  std::vector<std::unique_ptr<ServiceReplica>>& replicas_;
  const std::vector<ActorId>& actors_;
  const Channel<ReplicasScaled>& scaled_;
  const Channel<ReplicaStageChanged>& staged_;
  Time warmup_;
  Time duration_;
  Time window_;
  std::vector<Stage> stage_;
  std::vector<Time> since_;         // when each replica reached its stage
  std::vector<std::uint64_t> busy_at_sync_;  // each replica's busy time at the last sync
  Time last_sync_ = 0;
  std::vector<ComponentInstance::RotationWatcher> watchers_;
  std::int64_t existing_ = 0;
  std::int64_t min_seen_ = 0;
  std::int64_t max_seen_ = 0;
  std::uint64_t scale_ups_ = 0;
  std::uint64_t scale_downs_ = 0;
  Time integrated_to_ = 0;
  Time end_ = 0;
  __int128 measured_area_ = 0;   // over [warmup, duration)
  std::vector<__int128> window_area_;
};

class ServiceInstance final : public ServerInstance<ServiceSpec, ServiceReplica> {
 public:
  ServiceInstance(const ServiceSpec& spec, BuildContext& ctx)
      : ServerInstance(spec, ctx), warmup_(ctx.warmup), duration_(ctx.duration) {
    if (spec.config().autoscaling) scaling_ = std::make_unique<Scaling>(spec, replicas_, replica_actors(), ctx);
  }

  void connect(const World& world) override {
    std::vector<std::vector<ActorId>> targets;
    for (const auto& name : spec_.config().calls) targets.push_back(world.nodes_named(name));
    // Called replicas that come and go (an autoscaled service).
    std::vector<std::vector<ActorId>> out;
    for (std::size_t c = 0; c < targets.size(); ++c)
      out.push_back(world.follow_rotation(targets[c], [this, c](ActorId id, bool in) {
        for (auto& r : replicas_) r->set_call_target(c, id, in);
      }));
    for (auto& r : replicas_) r->set_call_targets(targets, out);
  }

  void start() override {
    if (scaling_) scaling_->start();
  }

  bool in_rotation(int replica) const override { return !scaling_ || scaling_->serving(replica); }
  void watch_rotation(RotationWatcher watcher) const override {
    if (scaling_) scaling_->watch(std::move(watcher));
  }

  void finish_run() override {
    ServerInstance::finish_run();
    end_ = std::min(duration_, halted_at());
    if (scaling_) scaling_->finish(end_);
  }

  void record(ComponentRecord& out) const override {
    ServerInstance::record(out);
    // What it received, as a service priced per request bills it: requests
    // accepted in the window, writes apart, every other one a read.
    for (const auto& r : replicas_) out.writes_received += r->writes_taken();
    out.writes_received = std::min(out.writes_received, out.total.arrivals);
    out.reads_received = out.total.arrivals - out.writes_received;
    if (!scaling_) {
      out.extra.emplace_back("replica_seconds", static_cast<double>(replica_count()) * to_seconds(end_));
      return;
    }
    out.extra.emplace_back("replica_seconds", scaling_->replica_seconds());
    out.billed_replica_seconds = scaling_->measured_replica_seconds();
    scaling_->record(out);
    // Utilisation over the replicas that existed, not over all there could be.
    if (out.total.utilization) {
      const double measured_s = to_seconds(std::max<Time>(0, end_ - warmup_));
      const double rs = scaling_->measured_replica_seconds();
      out.total.utilization =
          rs > 0 ? *out.total.utilization * static_cast<double>(replica_count()) * measured_s / rs : 0.0;
    }
  }

 private:
  Time warmup_;
  Time duration_;
  Time end_ = 0;
  std::unique_ptr<Scaling> scaling_;  // with autoscaling only
};

}  // namespace

ServiceSpec::ServiceSpec(ComponentCommon common, Config config)
    : ComponentSpec(std::move(common)), config_(std::move(config)) {
  DSIM_CHECK(config_.workers >= 1);
  DSIM_CHECK(!config_.autoscaling || config_.autoscaling->max == replica_count());
}

ServiceSpec::~ServiceSpec() = default;

std::optional<double> ServiceSpec::capacity() const {
  const double mean_ns = config_.service_time.mean();
  if (!(mean_ns > 0)) return std::nullopt;  // no service time: no bound of its own
  return static_cast<double>(replica_count()) * static_cast<double>(config_.workers) * 1e9 / mean_ns;
}

std::unique_ptr<ComponentInstance> ServiceSpec::instantiate(BuildContext& ctx) const {
  return std::make_unique<ServiceInstance>(*this, ctx);
}

}  // namespace dsim
