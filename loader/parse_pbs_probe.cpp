// Reads `kind: pbs_probe` (models/pbs_probe.h); fields: scenarios/README.md.
#include "dsim/loader/builtin_parsers.h"
#include "dsim/models/pbs_probe.h"
#include "dsim/models/replicated_store.h"

#include <algorithm>

namespace dsim {

ParsedComponent parse_pbs_probe(ComponentCommon common, MapReader& r) {
  PbsProbeSpec::Config c;
  const ConfigNode target = r.require("target", "the replicated_store to probe, e.g. target: db");
  c.target = raw_text(target);
  if (auto t = r.get("t")) {
    const std::vector<ConfigNode> items = t->as_list();
    if (items.empty()) t->fail("needs at least one time after the commit, e.g. t: [0ms, 1ms, 10ms]");
    c.t.clear();
    for (const ConfigNode& item : items) {
      const Time v = item.non_negative_duration();
      if (v > kMaxConfigDuration) item.fail("must be at most 50 years");
      c.t.push_back(v);
    }
    std::sort(c.t.begin(), c.t.end());
    c.t.erase(std::unique(c.t.begin(), c.t.end()), c.t.end());
    if (c.t.size() > 1000) t->fail("at most 1000 read times per trial, got " + std::to_string(c.t.size()));
  }
  if (auto n = r.get("trials")) c.trials = n->int_in(1, 10'000'000);
  if (auto i = r.get("interval")) c.interval = i->positive_duration();
  if (auto k = r.get("k")) c.k = k->int_in(1, 100);
  if (auto t = r.get("timeout")) c.timeout = t->positive_duration();
  if (sat_add(sat_mul(c.interval, c.trials), sat_mul(c.timeout, c.k + 1)) > kMaxConfigDuration)
    r.node().fail("trials x interval plus the operations' timeouts exceeds the 50 years dsim simulates: fewer trials "
                  "or a shorter interval");
  ParsedComponent out;
  out.spec = std::make_unique<PbsProbeSpec>(std::move(common), std::move(c));
  out.check_references = [target](const ComponentIndex& index) {
    const ComponentSpec& s = index.lookup(target, true);
    const auto* store = dynamic_cast<const ReplicatedStoreSpec*>(&s);
    if (store == nullptr)
      target.fail("'" + s.name() + "' is a " + s.kind() + "; a pbs_probe measures a replicated_store");
    // A probe coordinates its operations itself, as a leaderless store's
    // token-aware driver does.
    if (store->config().model != ReplicatedStoreSpec::Model::kLeaderless)
      target.fail("'" + s.name() + "' is a replicated_store of model " +
                  ReplicatedStoreSpec::model_name(store->config().model) +
                  "; a pbs_probe measures model: leaderless stores (for a leader_follower store's lag, see "
                  "replication_lag_ms in its figures)");
  };
  return out;
}

}  // namespace dsim
