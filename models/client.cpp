#include "models/client.h"

#include <cmath>

#include "models/trace.h"
#include "sim/deadline_queue.h"
#include "sim/units.h"

namespace dsim {

namespace {
enum EventKind : std::uint16_t { kArrival = 1, kUserSend = 2, kTimeout = 3, kRetry = 4, kDeadline = 5 };
constexpr std::uint32_t kNoUser = UINT32_MAX;
}  // namespace

class ClientComponent::Replica final : public ReplicaActor {
 public:
  Replica(const ClientComponent& owner, int index, BuildContext& ctx)
      : owner_(owner),
        cfg_(owner.config_),
        index_(index),
        sim_(ctx.sim),
        metrics_(ctx.requests),
        duration_(ctx.duration),
        tracer_(ctx.tracer),
        rng_(ctx.sim.stream(owner.replica_name(index))),
        retry_rng_(ctx.sim.stream(owner.replica_name(index) + "/retry")) {
    const auto n = static_cast<std::uint64_t>(owner.replica_count());
    if (cfg_.loop == Loop::kOpen) {
      const double rate = cfg_.rate / static_cast<double>(n);
      const double mean_gap_ns = 1e9 / rate;
      gap_ = cfg_.arrival == Arrival::kPoisson ? Distribution::exponential(mean_gap_ns)
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

  void set_targets(std::vector<ActorId> targets) {
    targets_ = std::move(targets);
    next_target_ = static_cast<std::size_t>(index_) % targets_.size();
  }

  void start() {
    if (cfg_.loop == Loop::kOpen) {
      if (cfg_.arrival == Arrival::kPoisson) {
        next_arrival_ = gap_.sample(rng_);
      } else {
        // Stagger replicas of a constant-rate client across one gap.
        next_arrival_ = gap_.mean() * static_cast<double>(index_) /
                        static_cast<double>(owner_.replica_count());
      }
      schedule_arrival();
    } else {
      for (std::uint32_t u = 0; u < users_; ++u) think(u);
    }
  }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    switch (kind) {
      case kArrival:
        if (sim_.now() >= duration_) return;  // arrivals stop at `duration`
        send(kNoUser);
        next_arrival_ += gap_.sample(rng_);
        schedule_arrival();
        return;
      case kUserSend:
        if (sim_.now() >= duration_) return;
        send(arg);
        return;
      case kTimeout:
        calls_.on_timer(arg, [this](Handle, const Attempt& a) { attempt_done(a, Status::kTimeout, false); });
        return;
      case kRetry: {
        // A retry is due for the request in slot arg, unless the request
        // ended meanwhile (its deadline) and the slot moved on.
        if (!requests_.is_live_slot(arg)) return;
        Request& r = requests_.at(arg);
        if (!r.waiting_retry || r.retry_at != sim_.now()) return;
        r.waiting_retry = false;
        metrics_.on_retry(sim_.now(), r.sent_at);
        attempt(Handle{arg, requests_.gen_of(arg)});
        return;
      }
      case kDeadline:
        deadlines_.on_timer([this](Handle h) { return requests_.is_live(h); },
                            [this](Handle h) {
                              Request& r = requests_.at(h.slot);
                              // The attempt in flight is abandoned; a late answer finds nothing.
                              if (!r.waiting_retry && calls_.find(r.attempt) != nullptr) calls_.finish(r.attempt);
                              resolve(h, Status::kTimeout, false);
                            });
        return;
      default:
        DSIM_CHECK_MSG(false, "client: unknown event kind");
    }
  }

  void on_message(const Message& msg) override {
    DSIM_CHECK(is_type(msg, MsgType::kResponse));
    const Handle h = handle_of(msg);
    const Attempt* a = calls_.find(h);
    if (a == nullptr) return;  // answer to an attempt that already timed out
    const Attempt done = *a;
    calls_.finish(h);
    attempt_done(done, static_cast<Status>(msg.status), true);
  }

  std::uint64_t sent() const { return sent_; }
  std::uint64_t attempts() const { return attempts_; }
  std::uint64_t retries_denied() const { return retries_denied_; }
  std::uint64_t succeeded() const { return succeeded_; }
  const std::array<std::uint64_t, kFailureKinds>& failed() const { return failed_; }

 private:
  // One request of a user: its first send and every retry.
  struct Request {
    Time sent_at = 0;
    std::uint32_t user = kNoUser;
    std::uint32_t attempts = 0;
    Handle attempt{};  // the attempt in flight, if not waiting to retry
    bool waiting_retry = false;
    Time retry_at = 0;
  };
  // An attempt in flight. Without retries or a deadline a request is its one
  // attempt, kept here alone (the common case, and the fast one); otherwise
  // `request` points into requests_.
  struct Attempt {
    Handle request{};
    Time sent_at = 0;
    std::uint32_t user = kNoUser;
  };
  bool single_attempt() const { return cfg_.retries == 0 && !cfg_.deadline; }

  void schedule_arrival() {
    sim_.schedule(std::max(sim_.now(), round_to_time(next_arrival_)), actor_id(), kArrival, 0);
  }

  void think(std::uint32_t user) {
    sim_.schedule_after(round_to_time(cfg_.think_time.sample(rng_)), actor_id(), kUserSend, user);
  }

  void send(std::uint32_t user) {
    const Time now = sim_.now();
    metrics_.on_sent(now);
    if (tracer_ != nullptr) tracer_->request_started(now);
    if (metrics_.measured(now)) ++sent_;
    if (single_attempt()) {
      if (metrics_.measured(now)) ++attempts_;
      transmit(calls_.start(cfg_.timeout, Attempt{Handle{}, now, user}));
      return;
    }
    const Handle h = requests_.acquire();
    Request& r = requests_.at(h.slot);
    r.sent_at = now;
    r.user = user;
    if (budget_) budget_->deposit(now);
    if (cfg_.deadline) deadlines_.push(h);
    attempt(h);
  }

  void attempt(Handle request) {
    Request& r = requests_.at(request.slot);
    ++r.attempts;
    if (metrics_.measured(r.sent_at)) ++attempts_;
    r.attempt = calls_.start(cfg_.timeout, Attempt{request, r.sent_at, r.user});
    transmit(r.attempt);
  }

  void transmit(Handle attempt) {
    const ActorId target = targets_[next_target_];
    if (++next_target_ == targets_.size()) next_target_ = 0;
    sim_.network().send(make_request(actor_id(), target, attempt, cfg_.request_size,
                                     RequestContext{cfg_.timeout, actor_id(), 0}));
  }

  // An attempt ended: succeed, retry after a backoff, or fail.
  void attempt_done(const Attempt& a, Status status, bool responded) {
    if (single_attempt()) {
      finish(a.sent_at, a.user, 1, status, responded);
      return;
    }
    const Handle request = a.request;
    Request& r = requests_.at(request.slot);
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
        if (metrics_.measured(r.sent_at)) ++retries_denied_;
      }
    }
    resolve(request, status, responded);
  }

  void resolve(Handle request, Status status, bool responded) {
    const Request r = requests_.at(request.slot);
    requests_.release(request);
    if (cfg_.deadline) deadlines_.trim([this](Handle h) { return requests_.is_live(h); });
    finish(r.sent_at, r.user, r.attempts, status, responded);
  }

  // A request's outcome: count it, record it, let its user think.
  void finish(Time sent_at, std::uint32_t user, std::uint32_t attempts, Status status, bool responded) {
    if (metrics_.measured(sent_at)) {
      if (status == Status::kOk) ++succeeded_;
      else ++failed_[static_cast<std::size_t>(failure_index(status))];
    }
    metrics_.on_resolved(sim_.now(), sent_at, status, responded);
    if (tracer_ != nullptr)
      tracer_->span(owner_.trace_id(), static_cast<std::uint32_t>(index_), "request", sent_at, sim_.now(),
                    {{"status", status_name(status)}, {"attempts", std::to_string(attempts)}});
    if (user != kNoUser) think(user);
  }

  const ClientComponent& owner_;
  const Config& cfg_;
  int index_;
  Simulation& sim_;
  RequestMetrics& metrics_;
  Time duration_;
  Tracer* tracer_;
  Rng rng_;
  Rng retry_rng_;  // backoff jitter: its own stream, so retries never shift arrivals
  Distribution gap_;
  double next_arrival_ = 0;
  std::uint32_t users_ = 0;
  std::vector<ActorId> targets_;
  std::size_t next_target_ = 0;
  SlotTable<Request> requests_;
  CallTracker<Attempt> calls_;  // attempts in flight
  DeadlineQueue deadlines_;
  std::optional<RetryBudget> budget_;
  std::uint64_t sent_ = 0;
  std::uint64_t attempts_ = 0;
  std::uint64_t retries_denied_ = 0;
  std::uint64_t succeeded_ = 0;
  std::array<std::uint64_t, kFailureKinds> failed_{};
};

ClientComponent::ClientComponent(ComponentCommon common, Config config)
    : Component(std::move(common)), config_(std::move(config)) {}

ClientComponent::~ClientComponent() = default;

Time ClientComponent::request_lifetime() const {
  // The longest a request can stay unresolved: its deadline, or every
  // attempt timing out with the longest backoffs between them.
  if (config_.deadline) return *config_.deadline;
  const Time n = config_.retries;
  return std::min<Time>(kMaxConfigDuration, (n + 1) * config_.timeout + n * config_.backoff.max);
}

std::unique_ptr<Component> ClientComponent::parse(ComponentCommon common, MapReader& r) {
  Config c;
  auto rate = r.get("rate");
  auto users = r.get("users");
  auto arrival = r.get("arrival");
  auto think = r.get("think_time");
  if (rate && users)
    users->fail("give either rate (open loop) or users (closed loop), not both", true);
  if (!rate && !users)
    r.node().fail("a client needs rate (open loop, e.g. rate: 1500/s) or users (closed loop, e.g. users: 50)");
  if (rate) {
    c.loop = Loop::kOpen;
    c.rate = rate->as_rate();
    if (!(c.rate > 0.0)) rate->fail("must be a positive rate, got " + rate->describe());
    if (1e9 * common.replicas / c.rate > 1e18)
      rate->fail("is too small: under one request per 30 years per replica; give a larger rate");
    if (c.rate / common.replicas > 1e9)
      rate->fail("more than one request per nanosecond per replica cannot be simulated");
    if (think) think->fail("think_time applies to closed-loop clients (users); this one has a rate", true);
    if (arrival) {
      const std::string a = arrival->as_string();
      if (a == "poisson") c.arrival = Arrival::kPoisson;
      else if (a == "constant") c.arrival = Arrival::kConstant;
      else arrival->fail("unknown arrival process '" + a + "'" + did_you_mean(a, {"poisson", "constant"}) +
                         "; valid: poisson, constant");
    }
  } else {
    c.loop = Loop::kClosed;
    c.users = users->int_in(1, 10'000'000);
    if (arrival) arrival->fail("arrival applies to open-loop clients (rate); this one has users", true);
    if (think) c.think_time = think->as_duration_distribution();
  }
  if (auto t = r.get("timeout")) c.timeout = t->positive_duration();
  if (auto n = r.get("retries")) c.retries = n->int_in(0, 100);
  if (auto b = r.get("retry_backoff")) {
    MapReader br(*b);
    if (auto v = br.get("base")) c.backoff.base = v->positive_duration();
    if (auto v = br.get("max")) c.backoff.max = v->positive_duration();
    if (auto v = br.get("jitter")) {
      const std::string j = v->as_string();
      if (j == "full") c.backoff.jitter = Jitter::kFull;
      else if (j == "equal") c.backoff.jitter = Jitter::kEqual;
      else if (j == "none") c.backoff.jitter = Jitter::kNone;
      else v->fail("unknown jitter '" + j + "'" + did_you_mean(j, {"full", "equal", "none"}) + "; valid: full, equal, none");
    }
    if (c.backoff.max < c.backoff.base)
      b->fail("max (" + units::format_duration(c.backoff.max) + ") must not be below base (" +
              units::format_duration(c.backoff.base) + ")");
    br.finish();
  }
  if (auto b = r.get("retry_budget")) {
    MapReader br(*b);
    RetryBudgetConfig rb;
    if (auto v = br.get("ratio")) {
      rb.ratio = v->as_fraction();
      if (!(rb.ratio >= 0.0) || rb.ratio > 100.0) v->fail("must be a fraction such as 10%, got " + v->describe());
    }
    if (auto v = br.get("min_per_s")) {
      rb.min_per_s = v->as_number();
      if (!(rb.min_per_s >= 0.0) || rb.min_per_s > 1e9) v->fail("must be a number of retries per second, 0 or more, got " + v->describe());
    }
    br.finish();
    c.retry_budget = rb;
  }
  if (auto d = r.get("deadline")) c.deadline = d->positive_duration();
  if (auto s = r.get("request_size")) {
    const double v = s->as_size();
    if (v < 0 || v > 4e9) s->fail("must be a size from 0B to 4GB, got " + s->describe());
    c.request_size = static_cast<std::uint32_t>(v);
  }
  c.target_ref = r.require("target", "the component that receives the requests, e.g. target: lb");
  return std::make_unique<ClientComponent>(std::move(common), std::move(c));
}

std::vector<std::string> ClientComponent::downstream() const {
  return {config_.target_ref->as_string()};
}

void ClientComponent::resolve(const ComponentIndex& index) {
  target_ = &index.lookup(*config_.target_ref, true);
}

void ClientComponent::build(BuildContext& ctx) {
  for (int i = 0; i < replica_count(); ++i) {
    replicas_.push_back(std::make_unique<Replica>(*this, i, ctx));
    add_replica_actor(ctx.sim, *replicas_.back(), i);
    replicas_.back()->bind();
  }
}

void ClientComponent::connect(const ComponentIndex&) {
  for (auto& r : replicas_) r->set_targets(target_->replica_actors());
}

void ClientComponent::start() {
  for (auto& r : replicas_) r->start();
}

void ClientComponent::record(ComponentRecord& out) const {
  std::uint64_t sent = 0;
  std::uint64_t ok = 0;
  std::array<std::uint64_t, kFailureKinds> failed{};
  for (const auto& r : replicas_) {
    sent += r->sent();
    ok += r->succeeded();
    for (int k = 0; k < kFailureKinds; ++k) failed[static_cast<std::size_t>(k)] += r->failed()[static_cast<std::size_t>(k)];
  }
  std::uint64_t attempts = 0, denied = 0;
  for (const auto& r : replicas_) {
    attempts += r->attempts();
    denied += r->retries_denied();
  }
  out.extra.emplace_back("sent", static_cast<double>(sent));
  out.extra.emplace_back("attempts", static_cast<double>(attempts));
  if (config_.retry_budget) out.extra.emplace_back("retries_denied_by_budget", static_cast<double>(denied));
  out.extra.emplace_back("succeeded", static_cast<double>(ok));
  out.extra.emplace_back("failed_timeout", static_cast<double>(failed[0]));
  out.extra.emplace_back("failed_rejected", static_cast<double>(failed[1]));
  out.extra.emplace_back("failed_unavailable", static_cast<double>(failed[2]));
}

}  // namespace dsim
