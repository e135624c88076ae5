// Reads `kind: service` (models/service.h); fields: scenarios/README.md.
#include <charconv>

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

ParsedComponent parse_service(ComponentCommon common, MapReader& r) {
  ServiceSpec::Config c;
  std::vector<ConfigNode> call_refs;
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
