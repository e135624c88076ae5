// Reads `kind: client` (models/client.h); fields: scenarios/README.md.
#include "dsim/loader/builtin_parsers.h"

#include <cstdio>

#include "dsim/models/client.h"
#include "dsim/sim/units.h"

namespace dsim {

ParsedComponent parse_client(ComponentCommon common, MapReader& r) {
  using Loop = ClientSpec::Loop;
  using Arrival = ClientSpec::Arrival;
  ClientSpec::Config c;
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
  if (auto s = r.get("request_size")) {
    const double v = s->as_size();
    if (v < 0 || v > 4e9) s->fail("must be a size from 0B to 4GB, got " + s->describe());
    c.request_size = static_cast<std::uint32_t>(v);
  }
  const ConfigNode target = r.require("target", "the component that receives the requests, e.g. target: lb");
  c.target = raw_text(target);
  ParsedComponent out;
  out.spec = std::make_unique<ClientSpec>(std::move(common), std::move(c));
  out.check_references = [target](const ComponentIndex& index) { index.lookup(target, true); };
  return out;
}

}  // namespace dsim
