// An error in a user's input, with where it is and what would be valid.
//
// Expected errors (a bad scenario, a bad --set) are values of this type; they
// are printed as "file:line:column: field: message" and make dsim exit with
// code 2. Bugs are DSIM_CHECK failures instead (sim/check.h).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dsim {

struct Diagnostic {
  std::string source;   // a file name, or "--set path=value"
  int line = 0;         // 1-based; 0 when the source has no lines
  int column = 0;       // 1-based; 0 when unknown
  std::string field;    // dotted path of the field, e.g. components.app.workers
  std::string message;  // what is wrong and what would be valid

  std::string to_string() const;
};

// Thrown inside the loader and caught at its API boundary, which returns the
// Diagnostic as a value (see loader/scenario.h).
class DiagnosticError : public std::runtime_error {
 public:
  explicit DiagnosticError(Diagnostic d);
  const Diagnostic& diagnostic() const { return d_; }

 private:
  Diagnostic d_;
};

// The candidate closest to `word` by edit distance, if it is close enough to be
// a plausible typo; empty otherwise.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
// "a, b or c"
std::string join_alternatives(const std::vector<std::string>& items, std::string_view last_sep = " or ");

}  // namespace dsim
