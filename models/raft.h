// The instance of a `model: raft` replicated store
// (models/replicated_store.h describes the model). Private to the models
// layer: ReplicatedStoreSpec::instantiate calls it.
#pragma once

#include <memory>

#include "dsim/models/component.h"

namespace dsim {

class ReplicatedStoreSpec;

std::unique_ptr<ComponentInstance> make_raft_instance(const ReplicatedStoreSpec& spec, BuildContext& ctx);

}  // namespace dsim
