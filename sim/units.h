// Quantities written with their units, as in scenario files: durations
// ("250us", "1.5s", "2m"), rates ("2000/s", "14.4/ms"), sizes ("1KB", "4KiB"),
// bandwidths ("1Gbps", "125MB/s") and fractions ("0.1%").
//
// Each parser returns the value in dsim's base unit (nanoseconds, events per
// second, bytes, bits per second, a fraction) or an error that says what was
// expected; callers attach the location. Numbers are parsed with
// std::from_chars: locale-independent and correctly rounded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dsim/sim/time.h"

namespace dsim::units {

struct Parsed {
  double value = 0;       // in the base unit
  std::string error;      // empty on success
  bool ok() const { return error.empty(); }
};

// Durations: ns, us (or µs), ms, s, m (or min), h, d. A bare 0 is allowed.
Parsed parse_duration(std::string_view text);
// Rates: <number>/<duration unit>, e.g. 2000/s, 14.4/ms. Result in events per second.
Parsed parse_rate(std::string_view text);
// Sizes: B, KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024);
// a bare number is bytes.
Parsed parse_size(std::string_view text);
// Bandwidths: bps, Kbps, Mbps, Gbps, Tbps (bits), B/s, KB/s, MB/s, GB/s (bytes).
// Result in bits per second.
Parsed parse_bandwidth(std::string_view text);
// Fractions: "0.1%" or a plain number in [0, 1].
Parsed parse_fraction(std::string_view text);
// A plain number (no unit).
Parsed parse_number(std::string_view text);

// The nanoseconds in one of the duration units above, if `unit` is one.
std::optional<double> duration_unit(std::string_view unit);

// Human-readable forms for reports and messages: "250us", "1.5s", "2m".
std::string format_duration(Time ns);
std::string format_bandwidth(double bps);

}  // namespace dsim::units
