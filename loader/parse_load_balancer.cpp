// Reads `kind: load_balancer` (models/load_balancer.h); fields: scenarios/README.md.
#include <set>

#include "dsim/loader/builtin_parsers.h"
#include "dsim/models/load_balancer.h"
#include "dsim/sim/units.h"

namespace dsim {

namespace {

// A backend as written, kept for located messages about references.
struct BackendRef {
  ConfigNode ref;
  double weight = 1.0;
};

// Each backend names a component or a replica that serves requests, other
// than the balancer itself, at most once; some weight is above zero.
void check_backends(const ComponentIndex& index, const std::vector<BackendRef>& refs, const std::string& self) {
  std::set<std::pair<const ComponentSpec*, int>> seen;  // membership only; never iterated
  double total = 0;
  for (const auto& ref : refs) {
    const auto found = index.lookup_replica(ref.ref);
    const ComponentSpec* comp = found.first;
    const std::optional<int> replica = found.second;
    if (comp->name() == self) ref.ref.fail("a load balancer cannot be its own backend");
    if (!comp->serves_requests())
      ref.ref.fail("'" + comp->name() + "' is a " + comp->kind() + ", which does not accept requests");
    auto add = [&](int i) {
      if (!seen.emplace(comp, i).second)
        ref.ref.fail("backend '" + comp->replica_name(i) + "' is listed more than once");
      total += ref.weight;
    };
    if (replica) add(*replica);
    else
      for (int i = 0; i < comp->replica_count(); ++i) add(i);
  }
  if (!(total > 0)) refs.front().ref.fail("at least one backend needs a weight above 0");
}

}  // namespace

ParsedComponent parse_load_balancer(ComponentCommon common, MapReader& r) {
  using Policy = LoadBalancerSpec::Policy;
  LoadBalancerSpec::Config c;
  const std::vector<std::string>& kPolicyNames = LoadBalancerSpec::policy_names();
  std::vector<BackendRef> refs;
  if (auto p = r.get("policy")) {
    const std::string name = p->as_string();
    bool found = false;
    for (std::size_t i = 0; i < kPolicyNames.size(); ++i)
      if (kPolicyNames[i] == name) {
        c.policy = static_cast<Policy>(i);
        found = true;
      }
    if (!found)
      p->fail("unknown policy '" + name + "'" + did_you_mean(name, kPolicyNames) +
              "; valid: " + join_alternatives(kPolicyNames));
  }
  const ConfigNode backends =
      r.require("backends", "a component name (all its replicas) or a list of {name, weight}");
  if (backends.is_scalar()) {
    refs.push_back(BackendRef{backends, 1.0});
  } else {
    const auto items = backends.as_list();
    if (items.empty()) backends.fail("needs at least one backend");
    for (const auto& item : items) {
      if (item.is_scalar()) {
        refs.push_back(BackendRef{item, 1.0});
        continue;
      }
      MapReader br(item);
      BackendRef ref{br.require("name", "a component or replica name, e.g. app or app-1"), 1.0};
      if (auto w = br.get("weight")) {
        ref.weight = w->as_number();
        if (!(ref.weight >= 0) || ref.weight > 1e6) w->fail("must be a number from 0 to 1000000, got " + w->describe());
        if (c.policy == Policy::kRoundRobin && ref.weight != 1.0)
          w->fail("round_robin ignores weights; use policy: weighted_round_robin (or random, "
                  "least_connections, power_of_two_choices, which also honour weights)");
      }
      br.finish();
      refs.push_back(std::move(ref));
    }
  }
  if (auto t = r.get("call_timeout")) c.call_timeout = t->positive_duration();
  if (auto hc = r.get("health_check")) {
    if (!(hc->text() == "none" || hc->text() == "off")) {
      MapReader hr(*hc);
      LoadBalancerSpec::HealthCheck h;
      if (auto v = hr.get("interval")) h.interval = v->positive_duration();
      if (auto v = hr.get("timeout")) {
        h.timeout = v->positive_duration();
        if (h.timeout > h.interval)
          v->fail("must not exceed the interval (" + units::format_duration(h.interval) +
                  "): a check times out before the next one is sent");
      } else {
        h.timeout = h.interval;
      }
      if (auto v = hr.get("fall")) h.fall = v->int_in(1, 1000);
      if (auto v = hr.get("rise")) h.rise = v->int_in(1, 1000);
      hr.finish();
      c.health_check = h;
    }
  }
  for (const auto& ref : refs) c.backends.push_back(LoadBalancerSpec::Backend{raw_text(ref.ref), ref.weight});
  const std::string self = common.name;
  ParsedComponent out;
  out.spec = std::make_unique<LoadBalancerSpec>(std::move(common), std::move(c));
  out.check_references = [refs, self](const ComponentIndex& index) { check_backends(index, refs, self); };
  return out;
}

}  // namespace dsim
