#include "dsim/sim/network.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <cmath>

#include "dsim/sim/check.h"
#include "dsim/sim/simulation.h"

namespace dsim {

Network::Network(Simulation& sim) : sim_(sim) {}

void Network::set_default_link(LinkParams params) {
  DSIM_CHECK(!finalized_);
  default_ = std::move(params);
}

ZoneId Network::add_zone(const std::string& name) {
  if (auto z = find_zone(name)) return *z;
  DSIM_CHECK(!finalized_);
  zones_.push_back(name);
  return static_cast<ZoneId>(zones_.size() - 1);
}

std::optional<ZoneId> Network::find_zone(const std::string& name) const {
  for (std::size_t i = 0; i < zones_.size(); ++i)
    if (zones_[i] == name) return static_cast<ZoneId>(i);
  return std::nullopt;
}

LinkId Network::add_link(ZoneId a, ZoneId b, LinkParams params) {
  DSIM_CHECK(!finalized_);
  DSIM_CHECK(a < zones_.size() && b < zones_.size());
  links_.push_back(Link{a, b, std::move(params)});
  return static_cast<LinkId>(links_.size() - 1);
}

void Network::add_node(ActorId actor, const std::string& name, ZoneId zone) {
  DSIM_CHECK(zone < zones_.size());
  if (nodes_.size() <= actor) {
    nodes_.resize(actor + 1);
    node_name_.resize(actor + 1);
    clocks_.resize(actor + 1);
  }
  DSIM_CHECK(nodes_[actor].zone == kNoZone);
  nodes_[actor].zone = zone;
  nodes_[actor].rng = sim_.stream(name + "/net");
  node_name_[actor] = name;
}

void Network::finalize() {
  DSIM_CHECK(!finalized_);
  // The zone graph, weighted by mean link latency. Boost's adjacency_list with
  // vecS keeps vertices and edges in insertion order, so ties between equally
  // short paths resolve the same way on every run.
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                      boost::no_property,
                                      boost::property<boost::edge_weight_t, double,
                                                      boost::property<boost::edge_index_t, LinkId>>>;
  const std::size_t n = zones_.size();
  Graph g(n);
  for (LinkId l = 0; l < links_.size(); ++l) {
    const double w = links_[l].params.latency.mean();
    DSIM_CHECK(std::isfinite(w));
    boost::add_edge(links_[l].a, links_[l].b, Graph::edge_property_type(w, l), g);
  }
  route_begin_.assign(n * n + 1, 0);
  route_links_.clear();
  std::vector<Graph::vertex_descriptor> pred(n);
  std::vector<double> dist(n);
  auto weight = boost::get(boost::edge_weight, g);
  auto index = boost::get(boost::edge_index, g);
  for (std::size_t from = 0; from < n; ++from) {
    boost::dijkstra_shortest_paths(
        g, from,
        boost::predecessor_map(boost::make_iterator_property_map(pred.begin(),
                                                                 boost::get(boost::vertex_index, g)))
            .distance_map(boost::make_iterator_property_map(dist.begin(),
                                                            boost::get(boost::vertex_index, g))));
    for (std::size_t to = 0; to < n; ++to) {
      route_begin_[from * n + to] = static_cast<std::uint32_t>(route_links_.size());
      if (to == from || pred[to] == to) continue;  // same zone, or unreachable
      // Walk back from `to`, choosing among parallel links the lightest one
      // (lowest id on ties), then reverse into from->to order.
      std::vector<LinkId> path;
      for (std::size_t v = to; v != from; v = pred[v]) {
        const std::size_t u = pred[v];
        LinkId best = 0;
        double best_w = std::numeric_limits<double>::infinity();
        for (auto [e, end] = boost::out_edges(u, g); e != end; ++e) {
          if (boost::target(*e, g) != v) continue;
          const double w = weight[*e];
          const LinkId id = index[*e];
          if (w < best_w || (w == best_w && id < best)) {
            best_w = w;
            best = id;
          }
        }
        path.push_back(best);
      }
      route_links_.insert(route_links_.end(), path.rbegin(), path.rend());
    }
  }
  route_begin_[n * n] = static_cast<std::uint32_t>(route_links_.size());
  zone_count_ = n;
  if (default_.latency.is_constant() && default_.bandwidth_bps == 0.0 && default_.loss == 0.0)
    fixed_default_delay_ = round_to_time(default_.latency.mean());
  fixed_delay_.assign(n * n, -1);
  // Metered, messages between two zones take send_general, which meters
  // them; the fast path is then for messages within a zone.
  for (std::size_t i = 0; i < n * n; ++i)
    if (route_begin_[i] == route_begin_[i + 1] && (!metering_ || i / n == i % n))
      fixed_delay_[i] = fixed_default_delay_;
  finalized_ = true;
}

void Network::undeliverable(const Message& msg) {
  ++dropped_;
  release_payload(msg);
}

void Network::set_condition(ActorId node, NodeCondition c) {
  DSIM_CHECK(node < nodes_.size() && nodes_[node].zone != kNoZone);
  nodes_[node].faults = c;
  apply_condition(node);
}

void Network::set_absent(ActorId node, bool absent) {
  DSIM_CHECK(node < nodes_.size() && nodes_[node].zone != kNoZone);
  nodes_[node].absent = absent;
  apply_condition(node);
}

void Network::apply_condition(ActorId node) {
  const Node& n = nodes_[node];
  // An absent node's host is as its faults say (a crashed host loses what
  // is sent to it); its process is not there.
  const NodeCondition c = n.absent && n.faults == NodeCondition::kUp ? NodeCondition::kRefusing : n.faults;
  const NodeCondition was = n.condition;
  if (was == c) return;
  nodes_[node].condition = c;
  const bool was_up = was == NodeCondition::kUp;
  const bool is_up = c == NodeCondition::kUp;
  if (was_up == is_up) return;  // crashed <-> refusing
  nodes_down_ += is_up ? -1 : 1;
  update_delivery_checks();
  if (is_up) {
    sim_.actor(node).on_up();
  } else {
    drop_in_flight([node](const Message& m) { return m.dst == node; });
    Actor& actor = sim_.actor(node);
    actor.on_down();
    actor.lose_volatile_state();
  }
}

void Network::lose_disk(ActorId node) {
  DSIM_CHECK_MSG(condition(node) != NodeCondition::kUp, "a node loses its disk while it is down");
  sim_.actor(node).lose_durable_state();
}

Time Network::clock(ActorId node) const {
  const Time now = sim_.now();
  DSIM_CHECK(node < clocks_.size() && nodes_[node].zone != kNoZone);
  const Clock& c = clocks_[node];
  if (!c.skewed) return now;
  // Drift may be negative (a slow clock): round its magnitude.
  const double drift = c.drift * static_cast<double>(now - c.since);
  return now + c.offset + (drift >= 0 ? round_to_time(drift) : -round_to_time(-drift));
}

void Network::set_clock(ActorId node, Time offset, double drift) {
  DSIM_CHECK(node < clocks_.size() && nodes_[node].zone != kNoZone);
  clocks_[node] = Clock{true, offset, drift, sim_.now()};
}

void Network::reset_clock(ActorId node) {
  DSIM_CHECK(node < clocks_.size());
  clocks_[node].skewed = false;
}

std::uint32_t Network::add_degradation(ZoneId a, ZoneId b, double latency_factor, double loss) {
  DSIM_CHECK(a < zones_.size() && b < zones_.size());
  DSIM_CHECK(latency_factor > 0 && loss >= 0 && loss <= 1);
  degraded_.push_back(Degradation{next_degradation_, a, b, latency_factor, loss});
  return next_degradation_++;
}

void Network::remove_degradation(std::uint32_t id) {
  for (std::size_t i = 0; i < degraded_.size(); ++i)
    if (degraded_[i].id == id) {
      degraded_.erase(degraded_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  DSIM_CHECK_MSG(false, "remove_degradation: unknown id");
}

Time Network::degrade_hop(ZoneId a, ZoneId b, Time delay, Rng& rng) const {
  for (const Degradation& d : degraded_) {
    if (!((d.a == a && d.b == b) || (d.a == b && d.b == a))) continue;
    if (d.loss > 0.0 && rng.bernoulli(d.loss)) return -1;
    delay = round_to_time(static_cast<double>(delay) * d.latency_factor);
  }
  return delay;
}

Network::Route Network::route(ZoneId from, ZoneId to) const {
  DSIM_CHECK(finalized_);
  Route r;
  const std::size_t n = zones_.size();
  const std::size_t i = from * n + to;
  for (std::uint32_t k = route_begin_[i]; k < route_begin_[i + 1]; ++k) {
    r.links.push_back(route_links_[k]);
    r.mean_latency += links_[route_links_[k]].params.latency.mean();
  }
  if (r.links.empty()) r.mean_latency = default_.latency.mean();
  return r;
}

void Network::send_general(const Message& msg, std::size_t pair) {
  Node& src = nodes_[msg.src];
  ++sent_;
  if (metering_) {
    const Node& dst = nodes_[msg.dst];
    const Time now = sim_.now();
    if (src.zone != dst.zone && src.metered && dst.metered && now >= meter_from_ && now < meter_until_)
      inter_zone_bytes_ += msg.bytes;
  }
  const std::uint32_t begin = route_begin_[pair];
  const std::uint32_t end = route_begin_[pair + 1];
  Time delay = 0;
  const bool degraded = !degraded_.empty();
  if (begin == end) {
    delay = fixed_default_delay_ >= 0 ? fixed_default_delay_ : hop_delay(default_, msg.bytes, src.rng);
    if (degraded && delay >= 0) delay = degrade_hop(src.zone, nodes_[msg.dst].zone, delay, src.rng);
  } else {
    for (std::uint32_t k = begin; k < end && delay >= 0; ++k) {
      const Link& link = links_[route_links_[k]];
      Time d = hop_delay(link.params, msg.bytes, src.rng);
      if (degraded && d >= 0) d = degrade_hop(link.a, link.b, d, src.rng);
      delay = d < 0 ? d : sat_add(delay, d);
    }
  }
  if (delay < 0) {
    ++lost_;
    release_payload(msg);
    return;
  }
  const std::uint32_t slot = store(msg);
  // Messages over a fixed-delay path arrive in the order they are sent.
  if (begin == end && fixed_default_delay_ >= 0 && !degraded) {
    sim_.schedule_in_order(sat_add(sim_.now(), delay), Simulation::kNetworkActor, 0, slot);
  } else {
    sim_.schedule_after(delay, Simulation::kNetworkActor, 0, slot);
  }
}

}  // namespace dsim
