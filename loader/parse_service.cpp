// Reads `kind: service` (models/service.h); fields: scenarios/README.md.
#include <charconv>
#include <cstdio>

#include "dsim/loader/builtin_parsers.h"
#include "dsim/models/service.h"

namespace dsim {

std::int64_t read_workers(const ConfigNode& w, int replicas) {
  const std::int64_t workers = w.int_in(1, 1'000'000);
  if (workers * replicas > 10'000'000)
    w.fail("replicas x workers is " + std::to_string(workers * replicas) +
           "; at most 10000000 workers in all can be simulated");
  return workers;
}

std::int64_t read_queue_capacity(const ConfigNode& q, const char* what) {
  const std::string t = q.text();
  if (t == "unlimited" || t == "inf") return -1;
  std::int64_t v = 0;
  const auto res = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || res.ec != std::errc() || res.ptr != t.data() + t.size())
    q.fail(std::string("expected a whole number of waiting ") + what + " (0 to 1000000000) or unlimited, got " +
           q.describe());
  return q.int_in(0, 1'000'000'000);
}

std::uint32_t read_message_size(const ConfigNode& n) {
  const double v = n.as_size();
  if (v < 0 || v > 4e9) n.fail("must be a size from 0B to 4GB, got " + n.describe());
  return static_cast<std::uint32_t>(v);
}

namespace {

ScalingLimit read_scaling_limit(const ConfigNode& n, ScalingLimit limit, const char* example) {
  if (n.is_scalar() && n.text() == "none") return ScalingLimit{0, 0, limit.period};
  MapReader r(n);
  if (auto p = r.get("percent")) {
    limit.percent = p->as_fraction();
    if (!(limit.percent >= 0) || limit.percent > 100)
      p->fail("must be a share of the replicas such as 100% (0: off), got " + p->describe());
  }
  if (auto k = r.get("replicas")) limit.replicas = k->int_in(0, 1'000'000);
  if (auto p = r.get("period")) limit.period = p->positive_duration();
  r.finish();
  if (limit.percent <= 0 && limit.replicas <= 0)
    n.fail(std::string("allows no change at all (percent and replicas both 0); give one of them, e.g. ") + example +
           ", or none for no limit");
  return limit;
}

AutoscalingConfig read_autoscaling(const ConfigNode& n, ComponentCommon& common) {
  MapReader r(n);
  AutoscalingConfig a;
  const ConfigNode max = r.require("max", "the most replicas it may scale to, e.g. max: 20");
  a.max = max.int_in(1, 100'000);
  if (auto m = r.get("min")) {
    a.min = m->int_in(1, 100'000);
    if (a.min > a.max)
      m->fail("min (" + std::to_string(a.min) + ") must not be above max (" + std::to_string(a.max) + ")");
  }
  if (auto t = r.get("target_utilization")) {
    a.target = t->as_fraction();
    if (!(a.target > 0) || a.target > 1)
      t->fail("must be a worker utilisation above 0% and at most 100%, e.g. 70%, got " + t->describe());
  }
  if (auto p = r.get("sync_period")) {
    a.sync_period = p->positive_duration();
    if (a.sync_period < kSecond) p->fail("must be at least 1s (Kubernetes syncs every 15s), got " + p->describe());
  }
  if (auto t = r.get("tolerance")) {
    a.tolerance = t->as_fraction();
    if (!(a.tolerance >= 0) || a.tolerance >= 1) t->fail("must be a share from 0% to below 100%, got " + t->describe());
  }
  // The controller cannot be asked for what no utilisation reaches.
  if (a.target * (1 + a.tolerance) >= 1) {
    const ConfigNode where = r.has("target_utilization") ? *r.get("target_utilization") : n;
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "with target_utilization %g%% and tolerance %g%% the service never scales up (utilisation "
                  "cannot exceed 100%%, which is within the tolerance of the target); lower one of them",
                  a.target * 100, a.tolerance * 100);
    where.fail(buf);
  }
  if (auto w = r.get("scale_up_stabilization")) a.scale_up_stabilization = w->non_negative_duration();
  if (auto w = r.get("scale_down_stabilization")) a.scale_down_stabilization = w->non_negative_duration();
  if (auto s = r.get("startup")) a.startup = s->non_negative_duration();
  if (auto d = r.get("drain_timeout")) a.drain_timeout = d->positive_duration();
  if (auto l = r.get("scale_up_limit"))
    a.scale_up_limit = read_scaling_limit(*l, a.scale_up_limit, "{percent: 100%, replicas: 4, period: 15s}");
  if (auto l = r.get("scale_down_limit"))
    a.scale_down_limit = read_scaling_limit(*l, a.scale_down_limit, "{percent: 100%, period: 15s}");
  r.finish();
  // `replicas`, if given, is the count at time 0; the spec has room for max.
  a.initial = common.replicas_given ? common.replicas : a.min;
  if (a.initial < a.min || a.initial > a.max)
    n.fail("replicas (" + std::to_string(a.initial) + ", the count at time 0) must be within min (" +
               std::to_string(a.min) + ") and max (" + std::to_string(a.max) + ")",
           true);
  common.replicas = static_cast<int>(a.max);
  common.replicas_given = true;
  return a;
}

}  // namespace

ParsedComponent parse_service(ComponentCommon common, MapReader& r) {
  ServiceSpec::Config c;
  std::vector<ConfigNode> call_refs;
  if (auto a = r.get("autoscaling"); a && !(a->is_scalar() && a->text() == "none"))
    c.autoscaling = read_autoscaling(*a, common);
  if (auto w = r.get("workers")) c.workers = read_workers(*w, common.replicas);
  c.service_time = r.require("service_time",
                             "how long a worker is busy per request, e.g. 2ms or "
                             "{dist: exponential, mean: 2ms}")
                       .as_duration_distribution();
  if (auto q = r.get("queue_capacity")) c.queue_capacity = read_queue_capacity(*q, "requests");
  if (auto calls = r.get("calls")) {
    if (calls->is_scalar()) call_refs.push_back(*calls);
    else call_refs = calls->as_list();
  }
  if (auto t = r.get("call_timeout")) c.call_timeout = t->positive_duration();
  if (auto s = r.get("request_size")) c.request_size = read_message_size(*s);
  if (auto s = r.get("response_size")) c.response_size = read_message_size(*s);
  for (const auto& ref : call_refs) c.calls.push_back(raw_text(ref));
  const std::string self = common.name;
  ParsedComponent out;
  out.spec = std::make_unique<ServiceSpec>(std::move(common), std::move(c));
  out.check_references = [call_refs, self](const ComponentIndex& index) {
    for (const auto& ref : call_refs) {
      const ComponentSpec& called = index.lookup(ref, true);
      if (called.name() == self) ref.fail("a service cannot call itself");
    }
  };
  return out;
}

}  // namespace dsim
