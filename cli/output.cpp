#include "dsim/cli/output.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace dsim::cli {

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

namespace dsim::cli {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

// The first bytes of a file (up to 4 KiB).
std::string head_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string buf(4096, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  return buf;
}

bool process_alive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// The PID at the end of a temporary's name after `marker`, or 0.
long pid_after(const std::string& name, const std::string& marker) {
  const std::size_t at = name.rfind(marker);
  if (at == std::string::npos) return 0;
  const std::string digits = name.substr(at + marker.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return 0;
  return std::stol(digits);
}

}  // namespace

bool replaceable(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  if (!fs::is_regular_file(path, ec)) return false;
  if (fs::file_size(path, ec) == 0 && !ec) return true;
  const std::string head = head_of(path);
  if (head.rfind("{\"traceEvents\":[", 0) == 0) return true;               // a trace
  if (head.rfind("{\n  \"schema\": \"dsim.summary/", 0) == 0) return true;  // a summary
  if (head.rfind("{\n  \"schema\": \"dsim.outputs/", 0) == 0) return true;  // a manifest
  if (head.rfind("time_s,sent,succeeded,", 0) == 0) return true;           // a time series
  if (head.rfind("kind,target,at_s,", 0) == 0) return true;                // faults.csv
  if (head.rfind("measure,t_ms,k,p,trials", 0) == 0) return true;          // consistency.csv
  if (head.rfind("{\"index\":0,\"client\":", 0) == 0) return true;       // a history
  if (head.rfind("{\n  \"schema\": \"dsim.baseline/", 0) == 0) return true; // a check's baseline
  if (head.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dsim check", 0) == 0)
    return true;  // a check's JUnit report
  return false;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

void remove_stale_temporaries(const std::string& path) {
  const fs::path p = fs::path(path).lexically_normal();
  const std::string marker = p.filename().string() + ".tmp-";
  const fs::path where = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  for (fs::directory_iterator it(where, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.rfind(marker, 0) != 0) continue;
    const long pid = pid_after(n, ".tmp-");
    std::error_code type_ec;
    if (pid > 0 && !process_alive(pid) && it->is_regular_file(type_ec)) {
      std::error_code rm;
      fs::remove(it->path(), rm);
    }
  }
}

// ---- PendingFile ------------------------------------------------------------

PendingFile::PendingFile(std::string path) : path_(std::move(path)) {
  tmp_ = path_ + ".tmp-" + std::to_string(::getpid());
}

PendingFile::~PendingFile() {
  if (!committed_ && out_ != nullptr) {
    out_.reset();
    std::remove(tmp_.c_str());
  }
}

std::string PendingFile::open() {
  out_ = std::make_unique<std::ofstream>(tmp_, std::ios::binary | std::ios::trunc);
  if (!*out_) return "cannot write '" + path_ + "': " + errno_text();
  return {};
}

std::string PendingFile::commit() {
  out_->flush();
  const bool ok = static_cast<bool>(*out_);
  const int err = errno;
  out_->close();
  if (!ok || out_->fail()) {
    std::remove(tmp_.c_str());
    committed_ = true;
    return "cannot write '" + path_ + "': " + (err != 0 ? std::strerror(err) : "write failed");
  }
  // Durable before it replaces anything.
  const int fd = ::open(tmp_.c_str(), O_RDONLY);
  if (fd >= 0) {
    const int rc = ::fsync(fd);
    const int fsync_err = errno;
    ::close(fd);
    if (rc != 0) {
      std::remove(tmp_.c_str());
      committed_ = true;
      return "cannot write '" + path_ + "': " + std::strerror(fsync_err);
    }
  }
  committed_ = true;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp_.c_str());
    return "cannot rename '" + tmp_ + "' to '" + path_ + "': " + std::strerror(e);
  }
  return {};
}

// ---- OutputDir --------------------------------------------------------------

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h) {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

OutputDir::OutputDir(std::string dir) : dir_(std::move(dir)) {
  fs::path p = fs::path(dir_).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();  // "results/"
  dir_ = p.empty() ? std::string(".") : p.string();
}

std::string OutputDir::check(const std::vector<std::string>& names, bool force) {
  names_ = names;
  std::error_code ec;
  const fs::path p(dir_);
  if (fs::exists(p, ec)) {
    if (!fs::is_directory(p, ec)) return "'" + dir_ + "' exists and is not a directory";
    if (::access(p.c_str(), W_OK) != 0) return "cannot write in '" + dir_ + "': " + errno_text();
    if (!force) {
      std::vector<std::string> all = names;
      all.emplace_back(kManifest);
      for (const auto& n : all)
        if (!replaceable(in_dir(dir_, n)))
          return "'" + in_dir(dir_, n) +
                 "' exists and is not a dsim output: move it away, choose another directory, or give --force to "
                 "replace it";
    }
    return {};
  }
  const fs::path parent = p.parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    return "cannot create '" + dir_ + "': the directory '" + parent.string() + "' does not exist";
  if (::access(parent.empty() ? "." : parent.c_str(), W_OK) != 0)
    return "cannot create '" + dir_ + "': " + errno_text();
  return {};
}

std::string OutputDir::open() {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) {
    fs::create_directory(dir_, ec);
    if (ec) return "cannot create directory '" + dir_ + "': " + ec.message();
  }
  for (const auto& n : names_) remove_stale_temporaries(in_dir(dir_, n));
  remove_stale_temporaries(in_dir(dir_, kManifest));
  // From here until commit() the set is marked incomplete.
  if (std::remove(in_dir(dir_, kManifest).c_str()) != 0 && errno != ENOENT)
    return "cannot remove the previous '" + in_dir(dir_, kManifest) + "': " + errno_text();
  return {};
}

std::string OutputDir::write(const std::string& name, const std::string& content) {
  PendingFile f(in_dir(dir_, name));
  if (auto err = f.open(); !err.empty()) return err;
  f.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  if (auto err = f.commit(); !err.empty()) return err;
  listed_.push_back(Listed{name, content.size(), fnv1a64(content)});
  return {};
}

std::string OutputDir::add(const std::string& name) {
  std::ifstream in(in_dir(dir_, name), std::ios::binary);
  if (!in) return "cannot read '" + in_dir(dir_, name) + "' back: " + errno_text();
  std::uint64_t h = fnv1a64({});
  std::uint64_t bytes = 0;
  std::string buf(1 << 16, '\0');
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    const auto n = static_cast<std::size_t>(in.gcount());
    h = fnv1a64(std::string_view(buf.data(), n), h);
    bytes += n;
  }
  listed_.push_back(Listed{name, bytes, h});
  return {};
}

std::string OutputDir::commit(const nlohmann::ordered_json& about) {
  nlohmann::ordered_json m;
  m["schema"] = "dsim.outputs/1";
  for (const auto& [k, v] : about.items()) m[k] = v;
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const Listed& l : listed_) {
    char digest[17];
    std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(l.digest));
    files.push_back({{"name", l.name}, {"bytes", l.bytes}, {"fnv1a64", digest}});
  }
  m["files"] = files;
  PendingFile f(in_dir(dir_, kManifest));
  if (auto err = f.open(); !err.empty()) return err;
  f.stream() << m.dump(2) << "\n";
  return f.commit();
}

// ---- Interrupts -------------------------------------------------------------

namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_interrupt(int) {
  if (g_interrupted.exchange(true)) {
    static const char msg[] = "\ndsim: interrupted again: exiting at once\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(130);
  }
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupted.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sa.sa_flags = SA_RESTART;  // a write to a pipe in progress goes on, not EINTR
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

InterruptGuard::~InterruptGuard() {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

const std::atomic<bool>* InterruptGuard::flag() const { return &g_interrupted; }

std::string write_stdout(const std::string& text) {
  errno = 0;
  const bool ok = std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0 &&
                  !std::ferror(stdout);
  if (ok) return {};
  const int err = errno;
  std::clearerr(stdout);
  return std::string("cannot write to standard output: ") + (err != 0 ? std::strerror(err) : "write failed");
}

}  // namespace dsim::cli
