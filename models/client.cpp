#include "dsim/models/client.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "dsim/models/events.h"
#include "dsim/models/rotation.h"
#include "dsim/models/rpc.h"
#include "dsim/models/world.h"
#include "dsim/sim/deadline_queue.h"
#include "dsim/sim/slot_table.h"

namespace dsim {

namespace {
enum EventKind : std::uint16_t {
  kArrival = 1,
  kUserSend = 2,
  kTimeout = 3,
  kRetry = 4,
  kDeadline = 5,
  kScheduledArrival = 6,  // an open loop following a schedule that varies
  kReplayedArrival = 7,   // an open loop replaying a trace
};
constexpr double kNever = std::numeric_limits<double>::infinity();

class ClientReplica final : public ReplicaActor, private DriverHost {
 public:
  ClientReplica(const ClientSpec& spec, int index, BuildContext& ctx)
      : spec_(spec),
        cfg_(spec.config()),
        index_(index),
        sim_(ctx.sim),
        warmup_(ctx.warmup),
        duration_(ctx.duration),
        invoked_(ctx.sim.bus().channel<OperationInvoked>()),
        retried_(ctx.sim.bus().channel<OperationRetried>()),
        resolved_(ctx.sim.bus().channel<OperationResolved>()),
        rng_(ctx.sim.stream(spec.replica_name(index))),
        retry_rng_(ctx.sim.stream(spec.replica_name(index) + "/retry")),
        ops_rng_(ctx.sim.stream(spec.replica_name(index) + "/ops")) {
    const auto n = static_cast<std::uint64_t>(spec.replica_count());
    if (cfg_.schedule && cfg_.schedule->varies()) schedule_ = &*cfg_.schedule;
    share_ = 1.0 / static_cast<double>(n);
    if (cfg_.loop == ClientSpec::Loop::kOpen) {
      // A fixed rate's gaps; a replayed trace (arrival i to replica i mod n)
      // and a schedule that varies (next_scheduled_arrival) need none.
      const double rate = cfg_.rate / static_cast<double>(n);
      const double mean_gap_ns = 1e9 / rate;
      if (!cfg_.replay && schedule_ == nullptr)
        gap_ = cfg_.arrival == ClientSpec::Arrival::kPoisson ? Distribution::exponential(mean_gap_ns)
                                                             : Distribution::constant(mean_gap_ns);
    } else {
      const auto total = static_cast<std::uint64_t>(cfg_.users);
      users_ = total / n + (static_cast<std::uint64_t>(index) < total % n ? 1 : 0);
    }
    if (cfg_.retry_budget) budget_.emplace(cfg_.retry_budget->ratio, cfg_.retry_budget->min_per_s);
  }

  void bind() {
    calls_.bind(sim_, actor_id(), kTimeout);
    if (cfg_.deadline) deadlines_.bind(sim_, actor_id(), kDeadline, 0, *cfg_.deadline);
  }

  // A driver of the target's (a store coordinated from the client), or none.
  void set_driver(const ComponentInstance* target) {
    if (target != nullptr) driver_ = target->make_driver(*this);
  }

  void set_targets(std::vector<ActorId> targets, const std::vector<ActorId>& out) {
    targets_.set(std::move(targets), out);
    next_target_ = static_cast<std::size_t>(index_) % targets_.live().size();
  }
  // A target replica joined or left the rotation (an autoscaled service).
  void set_target(ActorId id, bool in) {
    targets_.change(id, in);
    if (next_target_ >= targets_.live().size()) next_target_ = 0;
  }

  void start() {
    if (cfg_.replay) {
      replay_next_ = static_cast<std::size_t>(index_);
      schedule_replayed();
    } else if (schedule_ != nullptr && cfg_.loop == ClientSpec::Loop::kOpen) {
      // Evenly spaced: replica r's first arrival where r are expected (all
      // replicas together), so that replicas take turns.
      next_arrival_ = cfg_.arrival == ClientSpec::Arrival::kPoisson
                          ? next_scheduled_arrival(0)
                          : schedule_->time_for(0, static_cast<double>(index_));
      schedule_scheduled();
    } else if (cfg_.loop == ClientSpec::Loop::kOpen) {
      if (cfg_.arrival == ClientSpec::Arrival::kPoisson) {
        next_arrival_ = gap_.sample(rng_);
      } else {
        // Stagger replicas of a constant-rate client across one gap.
        next_arrival_ = gap_.mean() * static_cast<double>(index_) /
                        static_cast<double>(spec_.replica_count());
      }
      schedule_arrival();
    } else {
      for (std::uint32_t u = 0; u < users_; ++u) think(u);
    }
  }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    if (kind >= kDriverEventBase) {
      DSIM_CHECK(driver_ != nullptr);
      driver_->on_event(kind, arg);
      return;
    }
    switch (kind) {
      case kArrival:
        if (sim_.now() >= duration_) return;  // arrivals stop at `duration`
        send(kNoUser);
        next_arrival_ += gap_.sample(rng_);
        schedule_arrival();
        return;
      case kUserSend:
        if (sim_.now() >= duration_) return;
        if (schedule_ != nullptr && !user_takes_part(arg)) [[unlikely]] {
          wait_for_turn(arg);
          return;
        }
        send(arg);
        return;
      case kTimeout:
        calls_.on_timer(arg, [this](Handle h, const Attempt& a) { attempt_done(a, h, Status::kTimeout, false, {}); });
        return;
      case kRetry: {
        // A retry is due for the request in slot arg, unless the request
        // ended meanwhile (its deadline) and the slot moved on.
        if (!requests_.is_live_slot(arg)) return;
        Request& r = requests_.at(arg);
        if (!r.waiting_retry || r.retry_at != sim_.now()) return;
        r.waiting_retry = false;
        if (retried_.active()) retried_.publish(OperationRetried{actor_id(), r.op, r.sent_at, sim_.now(), r.attempts + 1});
        attempt(Handle{arg, requests_.gen_of(arg)});
        return;
      }
      case kDeadline:
        deadlines_.on_timer([this](Handle h) { return requests_.is_live(h); },
                            [this](Handle h) {
                              Request& r = requests_.at(h.slot);
                              // The attempt in flight is abandoned; a late answer finds nothing.
                              if (!r.waiting_retry && calls_.find(r.attempt) != nullptr) calls_.finish(r.attempt);
                              resolve(h, Status::kTimeout, false, {});
                            });
        return;
      default:
        on_load_over_time(kind);
    }
  }

  // Arrivals of a schedule that varies or of a replayed trace: apart from
  // on_event's switch, which stays as small as the fixed rate's.
  void on_load_over_time(std::uint16_t kind) {
    switch (kind) {
      case kScheduledArrival:
        if (sim_.now() >= duration_) return;
        send(kNoUser);
        next_arrival_ = cfg_.arrival == ClientSpec::Arrival::kPoisson
                            ? next_scheduled_arrival(next_arrival_)
                            : schedule_->time_for(next_arrival_, 1.0 / share_);
        schedule_scheduled();
        return;
      case kReplayedArrival: {
        if (sim_.now() >= duration_) return;
        const ArrivalTrace::Arrival& a = cfg_.replay->arrivals[replay_next_];
        replaying_ = &a;  // next_ask takes its operation, if it has one
        send(kNoUser);
        replaying_ = nullptr;
        replay_next_ += static_cast<std::size_t>(spec_.replica_count());
        schedule_replayed();
        return;
      }
      default:
        DSIM_CHECK_MSG(false, "client: unknown event kind");
    }
  }

  void on_message(const Message& msg) override {
    if (driver_ && driver_->on_message(msg)) return;
    DSIM_CHECK(is_answer(msg));
    const Handle h = handle_of(msg);
    const Attempt* a = calls_.find(h);
    if (a == nullptr) return;  // answer to an attempt that already timed out
    const Attempt done = *a;
    calls_.finish(h);
    attempt_done(done, h, answer_status(msg), true, answer_value(msg));
  }

  std::uint64_t sent() const { return sent_; }
  std::uint64_t attempts() const { return attempts_; }
  std::uint64_t retries_denied() const { return retries_denied_; }
  std::uint64_t succeeded() const { return succeeded_; }
  const FailureCounts& failed() const { return failed_; }

 private:
  // What an operation asks: a plain request, or a read or write of a key.
  struct Ask {
    std::uint64_t key = 0;
    std::uint64_t value = 0;  // written
    Operation kind = Operation::kRequest;
  };
  // One request of a user: its first send and every retry.
  struct Request {
    Time sent_at = 0;
    std::uint64_t op = 0;
    std::uint32_t user = kNoUser;
    std::uint32_t attempts = 0;
    Handle attempt{};  // the attempt in flight, if not waiting to retry
    bool waiting_retry = false;
    bool timed_out = false;  // an attempt timed out: it may have taken effect
    Time retry_at = 0;
    Ask ask;
  };
  // An attempt in flight. Without retries or a deadline a request is its one
  // attempt, kept here alone (the common case, and the fast one); otherwise
  // `request` points into requests_.
  struct Attempt {
    Handle request{};
    Time sent_at = 0;
    std::uint64_t op = 0;
    std::uint32_t user = kNoUser;
  };
  // A single attempt's operation (clients with a mix), by its handle's slot:
  // kept apart so that plain requests' attempts stay small.
  std::vector<Ask> asks_;
  const Ask& ask_of(Handle attempt) const {
    static const Ask kPlain{};
    return cfg_.mix ? asks_[attempt.slot] : kPlain;
  }

  // The next operation of a client with a mix: read or write, which key,
  // and for a write a value unique in the run.
  Ask next_ask() {
    if (!cfg_.mix) return {};
    // A replayed arrival's own operation (a trace with operations has a mix).
    if (replaying_ != nullptr && replaying_->op != Operation::kRequest) [[unlikely]]
      return make_ask(replaying_->op, replaying_->key);
    return make_ask(ops_rng_.uniform() < cfg_.mix->read ? Operation::kRead : Operation::kWrite, std::nullopt);
  }
  // A read or write, of `key` if given (a replayed trace's), else of a key
  // drawn from `keys`.
  Ask make_ask(Operation kind, std::optional<std::uint64_t> key) {
    Ask a;
    a.kind = kind;
    if (a.kind == Operation::kWrite) {
      DSIM_CHECK_MSG(writes_ < kMaxWritesPerClient, "client: more writes than values to tell them apart");
      a.value = make_write_value(actor_id(), writes_++);
      if (!key && cfg_.keys.fresh_writes > 0 && ops_rng_.uniform() < cfg_.keys.fresh_writes) {
        a.key = make_fresh_key(actor_id(), fresh_keys_++);
        return a;
      }
    }
    a.key = key ? *key : cfg_.keys.dist.sample(ops_rng_);
    return a;
  }
  bool single_attempt() const { return cfg_.retries == 0 && !cfg_.deadline; }

  void schedule_arrival() {
    sim_.schedule(std::max(sim_.now(), round_to_time(next_arrival_)), actor_id(), kArrival, 0);
  }

  // The first arrival after `t` of a Poisson process whose rate follows
  // the schedule, by thinning: candidates at the bound of the piece they
  // fall in (kept from one arrival to the next while it lasts), each kept
  // with probability rate / bound. Past a piece's end the draw starts over
  // there (the exponential is memoryless). kNever once the run's arrivals
  // are over.
  double next_scheduled_arrival(double t) {
    const auto stop = static_cast<double>(duration_);
    while (t < stop) {
      if (static_cast<Time>(t) >= piece_.end) piece_ = schedule_->segment(static_cast<Time>(t));
      const double bound = piece_.bound * share_;
      if (!(bound > 0)) {
        if (piece_.end >= duration_) return kNever;
        t = time_at_least(piece_.end);
        continue;
      }
      t += detail::standard_exponential(rng_) * (1e9 / bound);
      if (t >= static_cast<double>(piece_.end)) {  // past the piece (perhaps past the run): start over there
        if (piece_.end >= duration_) return kNever;
        t = time_at_least(piece_.end);
        continue;
      }
      if (t >= stop) return kNever;
      if (rng_.uniform() * bound < schedule_->rate_at(static_cast<Time>(t)) * share_) return t;
    }
    return kNever;
  }
  // The double nearest above `at` whose nanosecond is at least `at`
  // (beyond 2^53 ns, about 104 days, doubles skip nanoseconds).
  static double time_at_least(Time at) {
    double t = static_cast<double>(at);
    if (static_cast<Time>(t) < at) t = std::nextafter(t, kNever);
    return t;
  }
  void schedule_scheduled() {
    if (next_arrival_ >= static_cast<double>(duration_)) return;  // the run's arrivals are over
    sim_.schedule(std::max(sim_.now(), round_to_time(next_arrival_)), actor_id(), kScheduledArrival, 0);
  }
  void schedule_replayed() {
    const auto& arrivals = cfg_.replay->arrivals;
    if (replay_next_ >= arrivals.size() || arrivals[replay_next_].at >= duration_) return;
    sim_.schedule(std::max(sim_.now(), arrivals[replay_next_].at), actor_id(), kReplayedArrival, 0);
  }

  // Closed loop with a schedule of users: user u of this replica is user
  // u × replicas + index over all replicas, and takes part while the
  // schedule is above that.
  double user_number(std::uint32_t user) const {
    return static_cast<double>(user) * static_cast<double>(spec_.replica_count()) + static_cast<double>(index_);
  }
  bool user_takes_part(std::uint32_t user) const {
    return schedule_->rate_at(sim_.now()) >= user_number(user) + 1;
  }
  // A user not taking part now sends again when the schedule reaches it.
  void wait_for_turn(std::uint32_t user) {
    const Time back = schedule_->first_reaching(sim_.now(), user_number(user) + 1);
    if (back < duration_) sim_.schedule(std::max(back, sim_.now() + 1), actor_id(), kUserSend, user);
  }

  void think(std::uint32_t user) {
    sim_.schedule_after(round_to_time(cfg_.think_time.sample(rng_)), actor_id(), kUserSend, user);
  }

  bool measured(Time sent_at) const { return sent_at >= warmup_ && sent_at < duration_; }

  void send(std::uint32_t user) {
    const Time now = sim_.now();
    const std::uint64_t op = next_op_++;
    const Ask ask = next_ask();
    sim_.begin_work();
    if (invoked_.active()) {
      OperationInvoked e;
      e.client = actor_id();
      e.op_id = op;
      e.user = user;
      e.op = ask.kind;
      e.key = ask.key;
      if (ask.kind == Operation::kWrite) e.value = ask.value;
      e.at = now;
      invoked_.publish(e);
    }
    if (measured(now)) ++sent_;
    if (single_attempt()) {
      if (measured(now)) ++attempts_;
      const Handle h = calls_.start(cfg_.timeout, Attempt{Handle{}, now, op, user});
      if (cfg_.mix) [[unlikely]] {
        if (asks_.size() <= h.slot) asks_.resize(std::max<std::size_t>(h.slot + 1, 2 * asks_.size()));
        asks_[h.slot] = ask;
      }
      transmit(h, ask);
      return;
    }
    const Handle h = requests_.acquire();
    Request& r = requests_.at(h.slot);
    r.sent_at = now;
    r.op = op;
    r.user = user;
    r.timed_out = false;
    r.ask = ask;
    if (budget_) budget_->deposit(now);
    if (cfg_.deadline) deadlines_.push(h);
    attempt(h);
  }

  void attempt(Handle request) {
    Request& r = requests_.at(request.slot);
    ++r.attempts;
    if (measured(r.sent_at)) ++attempts_;
    r.attempt = calls_.start(cfg_.timeout, Attempt{request, r.sent_at, r.op, r.user});
    transmit(r.attempt, r.ask);
  }

  void transmit(Handle attempt, const Ask& ask) {
    const RequestContext ctx{cfg_.timeout, actor_id(), ask.kind, ask.key, ask.value};
    if (driver_) {
      driver_->start(attempt, ctx);
      return;
    }
    const std::vector<ActorId>& targets = targets_.live();
    const ActorId target = targets[next_target_];
    if (++next_target_ == targets.size()) next_target_ = 0;
    Network& net = sim_.network();
    net.send(make_request(net, actor_id(), target, attempt, cfg_.request_size, ctx));
  }

  // DriverHost: the driver runs on this replica's actor.
  Simulation& sim() override { return sim_; }
  ActorId actor() const override { return actor_id(); }
  std::string stream_name() const override { return spec_.replica_name(index_) + "/driver"; }
  void driver_done(Handle h, std::uint16_t status, bool has_value, std::uint64_t value,
                   std::int64_t version) override {
    const Attempt* a = calls_.find(h);
    if (a == nullptr) return;  // the attempt already timed out
    const Attempt done = *a;
    calls_.finish(h);
    attempt_done(done, h, static_cast<Status>(status), true, AnswerValue{has_value, value, version});
  }

  // An attempt ended: succeed, retry after a backoff, or fail.
  void attempt_done(const Attempt& a, Handle h, Status status, bool responded, const AnswerValue& answer) {
    if (single_attempt()) {
      finish(a.sent_at, a.op, a.user, 1, status, responded, ask_of(h), answer,
             status == Status::kTimeout || answer.maybe_applied);
      return;
    }
    const Handle request = a.request;
    Request& r = requests_.at(request.slot);
    if (status == Status::kTimeout || answer.maybe_applied) r.timed_out = true;
    if (status != Status::kOk && r.attempts <= static_cast<std::uint32_t>(cfg_.retries)) {
      const Time now = sim_.now();
      const Time wait = cfg_.backoff.delay(r.attempts, retry_rng_);
      const bool in_time = !cfg_.deadline || now + wait < r.sent_at + *cfg_.deadline;
      if (in_time) {
        if (!budget_ || budget_->try_withdraw(now)) {
          r.waiting_retry = true;
          r.retry_at = now + wait;
          sim_.schedule(r.retry_at, actor_id(), kRetry, request.slot);
          return;
        }
        if (measured(r.sent_at)) ++retries_denied_;
      }
    }
    resolve(request, status, responded, answer);
  }

  void resolve(Handle request, Status status, bool responded, const AnswerValue& answer) {
    const Request r = requests_.at(request.slot);
    requests_.release(request);
    if (cfg_.deadline) deadlines_.trim([this](Handle h) { return requests_.is_live(h); });
    finish(r.sent_at, r.op, r.user, r.attempts, status, responded, r.ask, answer,
           r.timed_out || status == Status::kTimeout);
  }

  // A request's outcome: count it, publish it, let its user think.
  void finish(Time sent_at, std::uint64_t op, std::uint32_t user, std::uint32_t attempts, Status status,
              bool responded, const Ask& ask, const AnswerValue& answer, bool timed_out) {
    if (measured(sent_at)) {
      if (status == Status::kOk) ++succeeded_;
      else failed_.add(status);
    }
    if (resolved_.active()) {
      OperationResolved e;
      e.client = actor_id();
      e.op_id = op;
      e.user = user;
      e.invoked = sent_at;
      e.completed = sim_.now();
      e.status = status;
      e.attempts = attempts;
      e.responded = responded;
      if (ask.kind != Operation::kRequest) [[unlikely]]
        describe_operation(e, ask, status, answer);
      e.indeterminate = status != Status::kOk && timed_out;
      resolved_.publish(e);
    }
    sim_.end_work();
    if (user != kNoUser) think(user);
  }

  // What a read or write brought back, for the history.
  static void describe_operation(OperationResolved& e, const Ask& ask, Status status, const AnswerValue& answer) {
    e.op = ask.kind;
    e.key = ask.key;
    if (ask.kind == Operation::kWrite) {
      e.value = ask.value;
      if (status == Status::kOk && answer.present && answer.version != kNoVersion) e.version = answer.version;
    } else if (status == Status::kOk && answer.present) {
      e.value = answer.value;
      if (answer.version != kNoVersion) e.version = answer.version;
    }
  }

  const ClientSpec& spec_;
  const ClientSpec::Config& cfg_;
  int index_;
  Simulation& sim_;
  Time warmup_;
  Time duration_;
  const Channel<OperationInvoked>& invoked_;
  const Channel<OperationRetried>& retried_;
  const Channel<OperationResolved>& resolved_;
  Rng rng_;
  Rng retry_rng_;  // backoff jitter: its own stream, so retries never shift arrivals
  Rng ops_rng_;    // reads or writes, and keys: their own stream too
  std::unique_ptr<ClientDriver> driver_;
  std::uint64_t writes_ = 0;      // values written so far
  std::uint64_t fresh_keys_ = 0;  // fresh keys used so far
  Distribution gap_;
  double next_arrival_ = 0;
  const RateSchedule* schedule_ = nullptr;  // one that varies, or none
  RateSchedule::Segment piece_{0, 0};        // thinning's current piece
  double share_ = 1;                        // of the rate or users: 1 / replicas
  std::size_t replay_next_ = 0;             // the trace's next arrival for this replica
  const ArrivalTrace::Arrival* replaying_ = nullptr;  // the one being sent
  std::uint32_t users_ = 0;
  RotationTargets targets_;
  std::size_t next_target_ = 0;
  SlotTable<Request> requests_;
  CallTracker<Attempt> calls_;  // attempts in flight
  DeadlineQueue deadlines_;
  std::optional<RetryBudget> budget_;
  std::uint64_t next_op_ = 0;  // operation ids, per replica
  std::uint64_t sent_ = 0;
  std::uint64_t attempts_ = 0;
  std::uint64_t retries_denied_ = 0;
  std::uint64_t succeeded_ = 0;
  FailureCounts failed_;
};

class ClientInstance final : public ReplicatedInstance<ClientSpec, ClientReplica> {
 public:
  using ReplicatedInstance::ReplicatedInstance;

  void connect(const World& world) override {
    const std::vector<ActorId> targets = world.nodes_named(spec_.config().target);
    const ComponentInstance* target = world.component_named(spec_.config().target);
    const std::vector<ActorId> out = world.follow_rotation(targets, [this](ActorId id, bool in) {
      for (auto& r : replicas_) r->set_target(id, in);
    });
    for (auto& r : replicas_) {
      r->set_targets(targets, out);
      r->set_driver(target);
    }
  }

  void start() override {
    for (auto& r : replicas_) r->start();
  }

  void record(ComponentRecord& out) const override {
    std::uint64_t sent = 0;
    std::uint64_t ok = 0;
    FailureCounts failed;
    for (const auto& r : replicas_) {
      sent += r->sent();
      ok += r->succeeded();
      failed += r->failed();
    }
    std::uint64_t attempts = 0, denied = 0;
    for (const auto& r : replicas_) {
      attempts += r->attempts();
      denied += r->retries_denied();
    }
    out.extra.emplace_back("sent", static_cast<double>(sent));
    out.extra.emplace_back("attempts", static_cast<double>(attempts));
    if (spec_.config().retry_budget) out.extra.emplace_back("retries_denied_by_budget", static_cast<double>(denied));
    out.extra.emplace_back("succeeded", static_cast<double>(ok));
    const StatusTable& statuses = StatusTable::global();
    for (std::size_t k = 0; k < statuses.failure_kinds(); ++k)
      out.extra.emplace_back("failed_" + statuses.name(static_cast<Status>(k + 1)), static_cast<double>(failed[k]));
  }
};

}  // namespace

ClientSpec::ClientSpec(ComponentCommon common, Config config)
    : ComponentSpec(std::move(common)), config_(std::move(config)) {
  DSIM_CHECK(config_.loop == Loop::kOpen ? config_.rate > 0 : config_.users >= 1);
  DSIM_CHECK(config_.timeout > 0);
  DSIM_CHECK(!(config_.schedule && config_.replay));
  DSIM_CHECK(!config_.replay || (config_.loop == Loop::kOpen && !config_.replay->arrivals.empty()));
  DSIM_CHECK(!config_.replay || !config_.replay->has_operations || config_.mix);
  DSIM_CHECK(!config_.schedule || config_.loop == Loop::kOpen ||
             (!config_.schedule->diurnal_curve() && config_.schedule->bursts().empty()));
}

ClientSpec::~ClientSpec() = default;

void ClientSpec::keep_peak_within(Time duration) {
  if (config_.loop != Loop::kOpen || !config_.schedule) return;
  const double peak = config_.schedule->peak(duration);
  if (peak > 0) config_.rate = peak;
}

Time ClientSpec::request_lifetime() const {
  // The longest a request can stay unresolved: its deadline, or every
  // attempt timing out with the longest backoffs between them.
  if (config_.deadline) return *config_.deadline;
  const Time n = config_.retries;
  return sat_add(sat_mul(config_.timeout, n + 1), sat_mul(config_.backoff.max, n));
}

std::unique_ptr<ComponentInstance> ClientSpec::instantiate(BuildContext& ctx) const {
  return std::make_unique<ClientInstance>(*this, ctx);
}

}  // namespace dsim
