#include "dsim/models/service.h"

#include <algorithm>

#include "dsim/models/events.h"
#include "dsim/models/occupancy.h"
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

  void set_call_targets(std::vector<std::vector<ActorId>> targets) {
    call_targets_ = std::move(targets);
    next_target_.assign(call_targets_.size(), 0);
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
      worker.answer = {};
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
      const std::vector<ActorId>& replicas = call_targets_[c];
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
    free_.push_back(w);
    if (!queue_.empty()) {
      const Job next = queue_.front();
      queue_.pop_front();
      occupancy_.queued(now, -1);
      begin(next);
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
  std::vector<std::vector<ActorId>> call_targets_;
  std::vector<std::size_t> next_target_;
  CallTracker<PendingCall> calls_;
  Occupancy occupancy_;
  double slowdown_ = 1.0;
};

class ServiceInstance final : public ServerInstance<ServiceSpec, ServiceReplica> {
 public:
  using ServerInstance::ServerInstance;

  void connect(const World& world) override {
    std::vector<std::vector<ActorId>> targets;
    for (const auto& name : spec_.config().calls) targets.push_back(world.nodes_named(name));
    for (auto& r : replicas_) r->set_call_targets(targets);
  }
};

}  // namespace

ServiceSpec::ServiceSpec(ComponentCommon common, Config config)
    : ComponentSpec(std::move(common)), config_(std::move(config)) {
  DSIM_CHECK(config_.workers >= 1);
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
