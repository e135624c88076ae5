// Reads `kind: client` (models/client.h); fields: scenarios/README.md.
#include "dsim/loader/builtin_parsers.h"

#include <cmath>
#include <cstdio>

#include "dsim/models/client.h"
#include "dsim/models/operation.h"
#include "dsim/sim/units.h"

namespace dsim {

ParsedComponent parse_client(ComponentCommon common, MapReader& r) {
  using Loop = ClientSpec::Loop;
  using Arrival = ClientSpec::Arrival;
  ClientSpec::Config c;
  auto rate = r.get("rate");
  auto users = r.get("users");
  auto replay = r.get("replay");
  auto bursts = r.get("bursts");
  auto arrival = r.get("arrival");
  auto think = r.get("think_time");
  if (rate && users)
    users->fail("give either rate (open loop) or users (closed loop), not both", true);
  if (replay && (rate || users))
    replay->fail(std::string("a replayed trace gives the arrivals itself: give either replay or ") +
                     (rate ? "rate" : "users") + ", not both",
                 true);
  if (!rate && !users && !replay)
    r.node().fail("a client needs rate (open loop, e.g. rate: 1500/s), users (closed loop, e.g. users: 50) or "
                  "replay (a recorded trace, e.g. replay: arrivals.csv)");
  std::vector<ConfigNode> burst_starts;
  if (rate) {
    c.loop = Loop::kOpen;
    if (rate->is_map()) {
      c.schedule = read_rate_schedule(*rate);
      if (bursts) burst_starts = read_bursts(*bursts, *c.schedule);
      c.rate = c.schedule->peak();
    } else {
      c.rate = rate->as_rate();
      if (!(c.rate > 0.0)) rate->fail("must be a positive rate, got " + rate->describe());
      if (1e9 * common.replicas / c.rate > 1e18)
        rate->fail("is too small: under one request per 30 years per replica; give a larger rate");
      if (bursts) {
        c.schedule = RateSchedule::constant(c.rate);
        burst_starts = read_bursts(*bursts, *c.schedule);
        c.rate = c.schedule->peak();
      }
    }
    if (c.rate / common.replicas > 1e9)
      rate->fail(std::string("more than one request per nanosecond per replica cannot be simulated") +
                 (c.schedule ? " (at the schedule's peak)" : ""));
    if (c.schedule && 1e9 * common.replicas / c.rate > 1e18)
      rate->fail("is too small: at its peak under one request per 30 years per replica; give a larger rate");
  } else if (replay) {
    c.loop = Loop::kOpen;
    if (bursts) bursts->fail("bursts multiply a rate; a replayed trace has its own bursts", true);
    c.replay = read_arrival_trace(*replay);
    c.rate = busiest_second(*c.replay);
  } else {
    c.loop = Loop::kClosed;
    if (bursts) bursts->fail("bursts multiply an open-loop rate; this client has users (give users over time as points)", true);
    if (users->is_map()) {
      c.schedule = read_user_schedule(*users);
      c.users = static_cast<std::int64_t>(std::floor(c.schedule->peak()));
    } else {
      c.users = users->int_in(1, 10'000'000);
    }
    if (arrival) arrival->fail("arrival applies to open-loop clients (rate); this one has users", true);
    if (think) c.think_time = think->as_duration_distribution();
  }
  if (c.loop == Loop::kOpen) {
    if (think)
      think->fail(std::string("think_time applies to closed-loop clients (users); this one ") +
                      (replay ? "replays a trace" : "has a rate"),
                  true);
    if (arrival && replay) arrival->fail("a replayed trace sends its arrivals when they were recorded; arrival does not apply", true);
    if (arrival) {
      const std::string a = arrival->as_string();
      if (a == "poisson") c.arrival = Arrival::kPoisson;
      else if (a == "constant") c.arrival = Arrival::kConstant;
      else arrival->fail("unknown arrival process '" + a + "'" + did_you_mean(a, {"poisson", "constant"}) +
                         "; valid: poisson, constant");
    }
  }
  const auto timeout = r.get("timeout");
  if (timeout) c.timeout = timeout->positive_duration();
  const auto retries = r.get("retries");
  if (retries) c.retries = retries->int_in(0, 100);
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
  // Every attempt timing out, with the longest backoffs between them, a
  // request must end within the longest duration dsim simulates.
  if (!c.deadline) {
    const Time n = c.retries;
    const Time lifetime = sat_add(sat_mul(c.timeout, n + 1), sat_mul(c.backoff.max, n));
    if (lifetime > kMaxConfigDuration) {
      const ConfigNode& where = retries ? *retries : *timeout;
      const double years = (static_cast<double>(n + 1) * static_cast<double>(c.timeout) +
                            static_cast<double>(n) * static_cast<double>(c.backoff.max)) /
                           (365.25 * 24 * 3600 * 1e9);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f years", years);
      where.fail(std::string("with every attempt timing out a request would last ") + buf +
                 " ((retries + 1) x timeout + retries x retry_backoff.max), beyond the 50 years dsim simulates: "
                 "lower retries or timeout, or give a deadline");
    }
  }
  if (auto s = r.get("request_size")) c.request_size = read_message_size(*s);
  auto mix = r.get("mix");
  auto keys = r.get("keys");
  if (mix) {
    MapReader mr(*mix);
    OperationMix m{0, 0};
    auto read = mr.get("read");
    auto write = mr.get("write");
    if (!read && !write) mix->fail("give the share of reads and of writes, e.g. mix: {read: 0.9, write: 0.1}");
    if (read) m.read = read->as_fraction();
    if (write) m.write = write->as_fraction();
    if (read && !write) m.write = 1 - m.read;
    if (write && !read) m.read = 1 - m.write;
    mr.finish();
    if (!(m.read >= 0 && m.write >= 0) || std::abs(m.read + m.write - 1) > 1e-9) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "read (%g) and write (%g) must be shares that sum to 1", m.read, m.write);
      mix->fail(buf);
    }
    c.mix = m;
  }
  if (c.replay && c.replay->has_operations) {
    if (mix)
      mix->fail("the replayed trace names each arrival's operation; remove mix (it would never be used)", true);
    // The trace's own shares: the client reads and writes keys.
    double reads = 0;
    for (const auto& a : c.replay->arrivals) reads += a.op == Operation::kRead ? 1 : 0;
    const double n = static_cast<double>(c.replay->arrivals.size());
    c.mix = OperationMix{reads / n, 1 - reads / n};
  }
  if (keys) {
    if (!c.mix) keys->fail("keys apply to reads and writes: give the client a mix, e.g. mix: {read: 0.9, write: 0.1}", true);
    MapReader kr(*keys);
    std::uint64_t count = 1;
    if (auto n = kr.get("count")) {
      const std::int64_t v = n->as_int();
      if (v < 1 || static_cast<std::uint64_t>(v) > kMaxKeyCount)
        n->fail("must be a number of keys from 1 to " + std::to_string(kMaxKeyCount) + ", got " + n->describe());
      count = static_cast<std::uint64_t>(v);
    }
    std::string dist = "uniform";
    auto d = kr.get("dist");
    if (d) dist = d->as_string();
    auto s_node = kr.get("s");
    auto hot_fraction = kr.get("hot_fraction");
    auto hot_share = kr.get("hot_share");
    if (dist == "uniform") {
      c.keys.dist = KeyDistribution::uniform(count);
    } else if (dist == "zipf") {
      double s = 0.99;
      if (s_node) {
        s = s_node->as_number();
        if (!(s > 0) || s > 100) s_node->fail("must be a Zipf exponent above 0 (and at most 100), got " + s_node->describe());
      }
      c.keys.dist = KeyDistribution::zipf(count, s);
    } else if (dist == "hotspot") {
      double f = 0.2, share = 0.8;
      if (hot_fraction) {
        f = hot_fraction->as_fraction();
        if (!(f > 0) || f > 1) hot_fraction->fail("must be a share of the keys above 0 and at most 100%, got " + hot_fraction->describe());
      }
      if (hot_share) {
        share = hot_share->as_fraction();
        if (!(share >= 0) || share > 1) hot_share->fail("must be a share of operations from 0 to 100%, got " + hot_share->describe());
      }
      c.keys.dist = KeyDistribution::hotspot(count, f, share);
    } else {
      d->fail("unknown key distribution '" + dist + "'" + did_you_mean(dist, {"uniform", "zipf", "hotspot"}) +
              "; valid: uniform, zipf, hotspot");
    }
    if (s_node && dist != "zipf") s_node->fail("s is the exponent of dist: zipf; this one is " + dist, true);
    if (hot_fraction && dist != "hotspot") hot_fraction->fail("hot_fraction applies to dist: hotspot; this one is " + dist, true);
    if (hot_share && dist != "hotspot") hot_share->fail("hot_share applies to dist: hotspot; this one is " + dist, true);
    if (auto fw = kr.get("fresh_writes")) {
      c.keys.fresh_writes = fw->as_fraction();
      if (!(c.keys.fresh_writes >= 0) || c.keys.fresh_writes > 1)
        fw->fail("must be a share of writes from 0 to 100%, got " + fw->describe());
    }
    kr.finish();
  } else if (c.mix) {
    c.keys.dist = KeyDistribution::uniform(1000);
  }
  const ConfigNode target = r.require("target", "the component that receives the requests, e.g. target: lb");
  c.target = raw_text(target);
  const bool out_schedule = c.loop == Loop::kOpen && c.schedule.has_value();
  ParsedComponent out;
  out.spec = std::make_unique<ClientSpec>(std::move(common), std::move(c));
  out.check_references = [target](const ComponentIndex& index) { index.lookup(target, true); };
  if (out_schedule) {
    // Once the duration is known: bursts within the run, and the rate that
    // overload warnings take (open_loop_rate) the schedule's peak within it.
    auto* spec = static_cast<ClientSpec*>(out.spec.get());
    out.check_run = [burst_starts, spec](Time duration) {
      for (const ConfigNode& at : burst_starts)
        if (at.as_duration() >= duration)
          at.fail("the burst begins at " + units::format_duration(at.as_duration()) + ", after the run ends (duration " +
                  units::format_duration(duration) + ")");
      spec->keep_peak_within(duration);
    };
  }
  return out;
}

}  // namespace dsim
