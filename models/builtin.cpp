// The built-in models. Each registers by kind name, exactly as a user's own
// model would (see ModelRegistry in models/component.h); the scenario loader
// only ever consults the registry.
#include "models/client.h"
#include "models/component.h"
#include "models/load_balancer.h"
#include "models/service.h"

namespace dsim {

void register_builtin_models(ModelRegistry& registry) {
  registry.add("client", "users sending requests: open loop (rate) or closed loop (users)",
               &ClientComponent::parse);
  registry.add("load_balancer", "a full proxy spreading requests over backends (HAProxy-style)",
               &LoadBalancerComponent::parse);
  registry.add("service", "replicas of c workers behind a FIFO queue, with synchronous calls",
               &ServiceComponent::parse);
}

}  // namespace dsim
