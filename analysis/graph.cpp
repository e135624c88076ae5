#include "dsim/analysis/graph.h"

#include <charconv>
#include <map>
#include <sstream>
#include <vector>

#include "dsim/sim/units.h"

namespace dsim {

std::string describe_distribution(const Distribution& d) {
  if (d.is_constant()) return units::format_duration(static_cast<Time>(d.mean()));
  std::string out = std::string(d.kind_name()) + "(";
  bool first = true;
  for (const auto& p : d.params()) {
    if (!first) out += ", ";
    first = false;
    out += p.name;
    out += "=";
    if (p.unitless) {
      std::ostringstream s;
      s << p.value;
      out += s.str();
    } else {
      out += units::format_duration(round_to_time(p.value));
    }
  }
  return out + ")";
}

namespace {

std::string dot_id(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string link_label(const LinkParams& p) {
  std::string label = describe_distribution(p.latency);
  if (p.bandwidth_bps > 0) label += ", " + units::format_bandwidth(p.bandwidth_bps);
  if (p.loss > 0) {
    std::ostringstream s;
    s << "loss " << p.loss * 100 << "%";
    label += ", " + s.str();
  }
  return label;
}

}  // namespace

namespace {

// The nodes a component is drawn as: its replicas, or, beyond
// kMaxReplicasDrawn, one node per zone holding them all.
struct Drawn {
  bool collapsed = false;
  std::vector<std::string> zones;   // collapsed: the zones, in first-replica order
  std::vector<int> count_in_zone;   // collapsed: replicas in each
};

std::string collapsed_id(const ComponentSpec& c, const std::string& zone) { return c.name() + " @" + zone; }

}  // namespace

void write_topology_dot(const ScenarioSpec& spec, std::ostream& out) {
  out << "digraph " << dot_id(spec.name) << " {\n";
  out << "  graph [rankdir=LR, compound=true, fontname=\"Helvetica\", label="
      << dot_id(spec.name + " - default link: " + link_label(spec.network.default_link)) << "];\n";
  out << "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
  out << "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  // How each component is drawn.
  std::vector<Drawn> drawn(spec.components.size());
  std::map<std::string, std::size_t> by_name;  // looked up, never iterated
  for (std::size_t k = 0; k < spec.components.size(); ++k) {
    const ComponentSpec& c = *spec.components[k];
    by_name.emplace(c.name(), k);
    if (c.replica_count() <= kMaxReplicasDrawn) continue;
    Drawn& d = drawn[k];
    d.collapsed = true;
    std::map<std::string, std::size_t> zone_index;  // looked up, never iterated
    for (int i = 0; i < c.replica_count(); ++i) {
      const auto [it, fresh] = zone_index.emplace(c.replica_zone(i), d.zones.size());
      if (fresh) {
        d.zones.push_back(c.replica_zone(i));
        d.count_in_zone.push_back(0);
      }
      ++d.count_in_zone[it->second];
    }
  }
  // Replicas by zone, in component and replica order, in one pass.
  std::map<std::string, std::vector<std::pair<std::size_t, int>>> in_zone;  // looked up by zone
  for (std::size_t k = 0; k < spec.components.size(); ++k) {
    const ComponentSpec& c = *spec.components[k];
    if (drawn[k].collapsed) {
      for (std::size_t z = 0; z < drawn[k].zones.size(); ++z)
        in_zone[drawn[k].zones[z]].emplace_back(k, -1 - static_cast<int>(z));
    } else {
      for (int i = 0; i < c.replica_count(); ++i) in_zone[c.replica_zone(i)].emplace_back(k, i);
    }
  }
  for (const auto& zone : spec.zones()) {
    out << "  subgraph " << dot_id("cluster_" + zone) << " {\n";
    out << "    label=" << dot_id("zone " + zone) << ";\n";
    out << "    " << dot_id("zone:" + zone) << " [shape=point, style=invis];\n";
    for (const auto& [k, i] : in_zone[zone]) {
      const ComponentSpec& c = *spec.components[k];
      if (i >= 0) {
        out << "    " << dot_id(c.replica_name(i)) << " [label=" << dot_id(c.replica_name(i) + "\n" + c.kind())
            << "];\n";
      } else {
        const auto z = static_cast<std::size_t>(-1 - i);
        out << "    " << dot_id(collapsed_id(c, zone)) << " [label="
            << dot_id(c.name() + " x " + std::to_string(drawn[k].count_in_zone[z]) + "\n" + c.kind() + ", " +
                      std::to_string(c.replica_count()) + " replicas in all")
            << ", peripheries=2];\n";
      }
    }
    out << "  }\n";
  }
  // Request paths, node to node: replica to replica, or to and from the
  // node that stands for a collapsed component's replicas in a zone.
  auto nodes_of = [&](const std::string& ref) {
    std::vector<std::string> ids;
    const auto found = by_name.find(ref);
    if (found == by_name.end()) {
      // A single replica named as a backend; its component may be collapsed.
      for (std::size_t k = 0; k < spec.components.size() && ids.empty(); ++k) {
        if (!drawn[k].collapsed) continue;
        const ComponentSpec& c = *spec.components[k];
        if (ref.size() <= c.name().size() + 1 || ref.compare(0, c.name().size() + 1, c.name() + "-") != 0) continue;
        // "name-i": replica i, read from the name rather than searched for.
        int i = 0;
        const char* first = ref.data() + c.name().size() + 1;
        const char* last = ref.data() + ref.size();
        const auto res = std::from_chars(first, last, i);
        if (res.ec == std::errc() && res.ptr == last && i >= 0 && i < c.replica_count() && c.replica_name(i) == ref)
          ids.push_back(collapsed_id(c, c.replica_zone(i)));
      }
      if (ids.empty()) ids.push_back(ref);
      return ids;
    }
    const ComponentSpec& c = *spec.components[found->second];
    if (drawn[found->second].collapsed) {
      for (const auto& z : drawn[found->second].zones) ids.push_back(collapsed_id(c, z));
    } else {
      ids = c.replica_names();
    }
    return ids;
  };
  for (const auto& c : spec.components) {
    const std::vector<std::string> from = nodes_of(c->name());
    for (const auto& d : c->downstream()) {
      const std::vector<std::string> to = nodes_of(d);
      for (const auto& f : from)
        for (const auto& t : to) out << "  " << dot_id(f) << " -> " << dot_id(t) << ";\n";
    }
  }
  // Explicit network links, between zone clusters.
  for (const auto& l : spec.network.links) {
    out << "  " << dot_id("zone:" + l.a) << " -> " << dot_id("zone:" + l.b) << " [dir=none, style=bold, color=gray40"
        << ", ltail=" << dot_id("cluster_" + l.a) << ", lhead=" << dot_id("cluster_" + l.b)
        << ", label=" << dot_id(link_label(l.params)) << "];\n";
  }
  out << "}\n";
}

std::string topology_dot(const ScenarioSpec& spec) {
  std::ostringstream out;
  write_topology_dot(spec, out);
  return out.str();
}

}  // namespace dsim
