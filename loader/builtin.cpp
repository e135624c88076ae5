// The built-in models. Each registers by kind name, exactly as a user's own
// model would (see ModelRegistry in loader/registry.h); the scenario loader
// only ever consults the registry.
#include "dsim/loader/builtin_parsers.h"
#include "dsim/loader/registry.h"

namespace dsim {

void register_builtin_models(ModelRegistry& registry) {
  registry.add("client", "users sending requests: open loop (rate) or closed loop (users)", &parse_client);
  registry.add("load_balancer", "a full proxy spreading requests over backends (HAProxy-style)", &parse_load_balancer);
  registry.add("service", "replicas of c workers behind a FIFO queue, with synchronous calls", &parse_service);
  registry.add("replicated_store", "keys replicated over nodes: model leaderless (Dynamo, Cassandra)",
               &parse_replicated_store);
  registry.add("pbs_probe", "writes and reads a store at fixed times after commit: PBS t-visibility and k-staleness",
               &parse_pbs_probe);
}

}  // namespace dsim
