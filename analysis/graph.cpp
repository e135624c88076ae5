#include "dsim/analysis/graph.h"

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

std::string topology_dot(const ScenarioSpec& spec) {
  std::ostringstream out;
  out << "digraph " << dot_id(spec.name) << " {\n";
  out << "  graph [rankdir=LR, compound=true, fontname=\"Helvetica\", label="
      << dot_id(spec.name + " - default link: " + link_label(spec.network.default_link)) << "];\n";
  out << "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
  out << "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  // Replicas by zone, in component and replica order, in one pass.
  std::map<std::string, std::vector<std::pair<const ComponentSpec*, int>>> in_zone;  // looked up by zone
  for (const auto& c : spec.components)
    for (int i = 0; i < c->replica_count(); ++i) in_zone[c->replica_zone(i)].emplace_back(c.get(), i);
  for (const auto& zone : spec.zones()) {
    out << "  subgraph " << dot_id("cluster_" + zone) << " {\n";
    out << "    label=" << dot_id("zone " + zone) << ";\n";
    out << "    " << dot_id("zone:" + zone) << " [shape=point, style=invis];\n";
    for (const auto& [c, i] : in_zone[zone])
      out << "    " << dot_id(c->replica_name(i)) << " [label=" << dot_id(c->replica_name(i) + "\n" + c->kind())
          << "];\n";
    out << "  }\n";
  }
  // Request paths, replica to replica.
  std::map<std::string, const ComponentSpec*> by_name;  // looked up, never iterated
  for (const auto& c : spec.components) by_name.emplace(c->name(), c.get());
  for (const auto& c : spec.components) {
    for (const auto& d : c->downstream()) {
      const auto found = by_name.find(d);
      const ComponentSpec* target = found == by_name.end() ? nullptr : found->second;
      std::vector<std::string> to;
      if (target != nullptr) to = target->replica_names();
      else to.push_back(d);  // a single replica named as a backend
      for (const auto& from : c->replica_names())
        for (const auto& t : to) out << "  " << dot_id(from) << " -> " << dot_id(t) << ";\n";
    }
  }
  // Explicit network links, between zone clusters.
  for (const auto& l : spec.network.links) {
    out << "  " << dot_id("zone:" + l.a) << " -> " << dot_id("zone:" + l.b) << " [dir=none, style=bold, color=gray40"
        << ", ltail=" << dot_id("cluster_" + l.a) << ", lhead=" << dot_id("cluster_" + l.b)
        << ", label=" << dot_id(link_label(l.params)) << "];\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace dsim
