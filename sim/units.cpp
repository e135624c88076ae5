#include "dsim/sim/units.h"

#include <charconv>
#include <cmath>

namespace dsim::units {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "12.5ms" into 12.5 and "ms". Returns false if there is no leading number.
bool split_number(std::string_view text, double& number, std::string_view& unit) {
  text = trim(text);
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  const auto res = std::from_chars(begin, end, number, std::chars_format::general);
  if (res.ec != std::errc() || !std::isfinite(number)) return false;
  unit = trim(std::string_view(res.ptr, static_cast<std::size_t>(end - res.ptr)));
  return true;
}

Parsed fail(std::string msg) { return Parsed{0, std::move(msg)}; }

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Shortest decimal form that reads back the same (for messages and reports).
std::string num(double v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

}  // namespace

std::optional<double> duration_unit(std::string_view unit) {
  if (unit == "ns") return 1.0;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m" || unit == "min") return 60e9;
  if (unit == "h") return 3600e9;
  if (unit == "d") return 86400e9;
  return std::nullopt;
}

Parsed parse_duration(std::string_view text) {
  double n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit))
    return fail("expected a duration such as 250us, 10ms, 1.5s, 2m or 1h, got " + quoted(text));
  if (unit.empty()) {
    if (n == 0) return Parsed{0, {}};
    return fail("a duration needs a unit (ns, us, ms, s, m, h, d): write " + num(n) + "ms or " +
                num(n) + "s, not " + quoted(trim(text)));
  }
  const auto scale = duration_unit(unit);
  if (!scale)
    return fail("unknown duration unit " + quoted(unit) + " in " + quoted(trim(text)) +
                "; valid units: ns, us, ms, s, m, h, d");
  const double v = n * *scale;
  if (std::fabs(v) > 9.2e18) return fail("duration " + quoted(trim(text)) + " is too large");
  return Parsed{std::round(v), {}};
}

Parsed parse_rate(std::string_view text) {
  const std::string_view t = trim(text);
  const auto slash = t.find('/');
  if (slash == std::string_view::npos)
    return fail("expected a rate such as 2000/s or 14.4/ms, got " + quoted(t));
  double n = 0;
  std::string_view rest;
  if (!split_number(t.substr(0, slash), n, rest) || !rest.empty())
    return fail("expected a rate such as 2000/s or 14.4/ms, got " + quoted(t));
  const std::string_view unit = trim(t.substr(slash + 1));
  const auto scale = duration_unit(unit);
  if (!scale)
    return fail("unknown time unit " + quoted(unit) + " in rate " + quoted(t) +
                "; valid: /ns, /us, /ms, /s, /m, /h, /d");
  return Parsed{n * (1e9 / *scale), {}};
}

Parsed parse_size(std::string_view text) {
  double n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit))
    return fail("expected a size such as 512B, 1KB or 4KiB, got " + quoted(text));
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "KB" || unit == "kB") scale = 1e3;
  else if (unit == "MB") scale = 1e6;
  else if (unit == "GB") scale = 1e9;
  else if (unit == "TB") scale = 1e12;
  else if (unit == "KiB") scale = 1024.0;
  else if (unit == "MiB") scale = 1024.0 * 1024;
  else if (unit == "GiB") scale = 1024.0 * 1024 * 1024;
  else if (unit == "TiB") scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return fail("unknown size unit " + quoted(unit) + " in " + quoted(trim(text)) +
                "; valid units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB");
  return Parsed{n * scale, {}};
}

Parsed parse_bandwidth(std::string_view text) {
  double n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit) || unit.empty())
    return fail("expected a bandwidth such as 100Mbps, 1Gbps or 125MB/s, got " + quoted(text));
  double scale = 0;
  if (unit == "bps") scale = 1;
  else if (unit == "Kbps" || unit == "kbps") scale = 1e3;
  else if (unit == "Mbps") scale = 1e6;
  else if (unit == "Gbps") scale = 1e9;
  else if (unit == "Tbps") scale = 1e12;
  else if (unit == "B/s") scale = 8;
  else if (unit == "KB/s" || unit == "kB/s") scale = 8e3;
  else if (unit == "MB/s") scale = 8e6;
  else if (unit == "GB/s") scale = 8e9;
  else
    return fail("unknown bandwidth unit " + quoted(unit) + " in " + quoted(trim(text)) +
                "; valid units: bps, Kbps, Mbps, Gbps, Tbps, B/s, KB/s, MB/s, GB/s");
  return Parsed{n * scale, {}};
}

Parsed parse_fraction(std::string_view text) {
  double n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit))
    return fail("expected a percentage such as 0.1% or a fraction such as 0.001, got " +
                quoted(text));
  if (unit == "%") return Parsed{n / 100.0, {}};
  if (!unit.empty())
    return fail("expected a percentage such as 0.1% or a fraction such as 0.001, got " +
                quoted(trim(text)));
  return Parsed{n, {}};
}

Parsed parse_number(std::string_view text) {
  double n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit) || !unit.empty())
    return fail("expected a number, got " + quoted(trim(text)));
  return Parsed{n, {}};
}

std::string format_duration(Time ns) {
  const double v = static_cast<double>(ns);
  const double a = std::fabs(v);
  if (a == 0) return "0s";
  if (a < 1e3) return num(v) + "ns";
  if (a < 1e6) return num(v / 1e3) + "us";
  if (a < 1e9) return num(v / 1e6) + "ms";
  if (a < 60e9) return num(v / 1e9) + "s";
  if (a < 3600e9) return num(v / 60e9) + "m";
  return num(v / 3600e9) + "h";
}

std::string format_bandwidth(double bps) {
  if (bps >= 1e12) return num(bps / 1e12) + "Tbps";
  if (bps >= 1e9) return num(bps / 1e9) + "Gbps";
  if (bps >= 1e6) return num(bps / 1e6) + "Mbps";
  if (bps >= 1e3) return num(bps / 1e3) + "Kbps";
  return num(bps) + "bps";
}

}  // namespace dsim::units
