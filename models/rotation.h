// The replicas a caller sends to, one after another, as replicas of an
// autoscaled component join and leave the rotation (World::follow_rotation):
// `live` is the ones in it, in replica order — or all of them while none
// is (a caller of one replica that left: its calls are refused, as a
// client's would be). Private to models/.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "dsim/sim/simulation.h"

namespace dsim {

class RotationTargets {
 public:
  // The nodes, all in the rotation but those in `out` (sorted).
  void set(std::vector<ActorId> nodes, const std::vector<ActorId>& out = {}) {
    all_ = std::move(nodes);
    in_.assign(all_.size(), 1);
    for (std::size_t k = 0; k < all_.size(); ++k)
      if (std::binary_search(out.begin(), out.end(), all_[k])) in_[k] = 0;
    rebuild();
  }
  // Whether `id` (one of the nodes) takes requests now.
  void change(ActorId id, bool in) {
    for (std::size_t k = 0; k < all_.size(); ++k)
      if (all_[k] == id) in_[k] = in ? 1 : 0;
    rebuild();
  }
  const std::vector<ActorId>& live() const { return live_; }

 private:
  void rebuild() {
    live_.clear();
    for (std::size_t k = 0; k < all_.size(); ++k)
      if (in_[k]) live_.push_back(all_[k]);
    if (live_.empty()) live_ = all_;
  }

  std::vector<ActorId> all_;
  std::vector<char> in_;
  std::vector<ActorId> live_;
};

}  // namespace dsim
