#include "dsim/cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace dsim::cli {

std::string ensure_directory(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  if (std::filesystem::exists(dir, ec)) return "'" + dir + "' exists and is not a directory";
  // Only the last level: a mistyped parent is an error, not a new tree.
  std::filesystem::path last = std::filesystem::path(dir).lexically_normal();
  if (!last.has_filename()) last = last.parent_path();  // "results/"
  const std::filesystem::path parent = last.parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
    return "cannot create '" + dir + "': the directory '" + parent.string() + "' does not exist";
  std::filesystem::create_directory(dir, ec);
  if (ec) return "cannot create directory '" + dir + "': " + ec.message();
  return {};
}

std::string check_writable_location(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (std::filesystem::is_directory(p, ec)) return "'" + path + "' is a directory";
  const std::filesystem::path dir = p.parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    return "cannot write '" + path + "': the directory '" + dir.string() + "' does not exist";
  if (::access(dir.empty() ? "." : dir.c_str(), W_OK) != 0)
    return "cannot write '" + path + "': " + std::strerror(errno);
  return {};
}

std::string in_dir(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

std::string write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) return "cannot write '" + path + "': " + std::strerror(errno);
    const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0 &&
                    ::fsync(::fileno(f)) == 0;
    const int err = errno;
    std::fclose(f);
    if (!ok) {
      std::remove(tmp.c_str());
      return "cannot write '" + path + "': " + std::strerror(err);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return "cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(err);
  }
  return {};
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

double wall_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

Progress::Progress(bool enabled, std::string label) : enabled_(enabled), label_(std::move(label)) {}

Progress::~Progress() { done(); }

void Progress::update(Time now, Time duration, std::uint64_t events) {
  if (!enabled_) return;
  const double w = wall_seconds();
  if (w - last_wall_ < 0.1) return;
  last_wall_ = w;
  const double pct = duration > 0 ? 100.0 * static_cast<double>(std::min(now, duration)) / static_cast<double>(duration) : 100.0;
  std::fprintf(stderr, "\r%s: %5.1f%% of %.3g s simulated, %.1f M events", label_.c_str(), pct,
               static_cast<double>(duration) / 1e9, static_cast<double>(events) / 1e6);
  std::fflush(stderr);
  shown_ = true;
}

void Progress::done() {
  if (shown_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    shown_ = false;
  }
}

}  // namespace dsim::cli
