// The loader's own access to the YAML behind a ConfigNode (loader/config.h):
// how nodes are made from yaml-cpp's, and --set overrides. Private to the
// loader: not installed, and no public header includes it, so yaml-cpp stays
// an implementation detail of dsim_loader.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dsim/loader/config.h"

namespace dsim {

struct ConfigSource {
  std::string name;        // file name or "--set path=value"
  bool has_lines = true;   // file: print line:column; --set: the value's column only
};

// Shared by all nodes of one scenario load: which subtrees came from --set,
// and where every field read is written (filled as mappings are read).
struct ConfigContext {
  std::shared_ptr<const ConfigSource> file;
  std::vector<std::pair<YAML::Node, std::shared_ptr<const ConfigSource>>> overrides;
  std::shared_ptr<SourceMap> sources;  // may be null
};

struct ConfigNode::Impl {
  YAML::Node node;
  std::string path;
  std::shared_ptr<const ConfigSource> source;
  std::shared_ptr<const ConfigContext> ctx;
  YAML::Mark key_mark = YAML::Mark::null_mark();
};

struct ConfigAccess {
  // The root of a scenario's YAML.
  static ConfigNode root(YAML::Node node, std::shared_ptr<const ConfigContext> ctx) {
    auto impl = std::make_shared<ConfigNode::Impl>();
    impl->node = std::move(node);
    impl->source = ctx->file;
    impl->ctx = std::move(ctx);
    return ConfigNode(std::move(impl));
  }
  // The child reached by a key or index of `parent`, with source tracking.
  static ConfigNode child(const ConfigNode& parent, const YAML::Node& key, const YAML::Node& value,
                          const std::string& key_text);
  static const ConfigNode::Impl& impl(const ConfigNode& n) { return *n.impl_; }
};

// Applies a --set override ("path=value") to `root`, recording the replaced
// subtree in ctx so that errors in it point at the command line.
void apply_override(YAML::Node& root, const std::string& assignment, ConfigContext& ctx);

// The offset of the first byte of `text` that is not well-formed UTF-8
// (strict: no overlong forms, no surrogates, nothing above U+10FFFF), or
// npos. Everything dsim reads as text passes it, so that whatever it prints
// (JSON above all) is valid.
std::size_t invalid_utf8_at(std::string_view text);

}  // namespace dsim
