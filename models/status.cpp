#include "dsim/models/status.h"

#include "dsim/sim/check.h"

namespace dsim {

StatusTable::StatusTable() : names_{"ok", "timeout", "rejected", "unavailable"} {}

StatusTable& StatusTable::global() {
  static StatusTable table;
  return table;
}

Status StatusTable::add(const std::string& name) {
  for (std::size_t i = 1; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<Status>(i);
  DSIM_CHECK_MSG(name != "ok", "\"ok\" is success, not a failure kind");
  DSIM_CHECK_MSG(!frozen_.load(std::memory_order_acquire),
                 "status codes are added before the first run (the table is read by runs on other threads)");
  bool ok = !name.empty();
  for (const char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  DSIM_CHECK_MSG(ok, "a status name is lowercase letters, digits and '_'");
  DSIM_CHECK_MSG(names_.size() < kMaxStatuses, "too many status codes (kMaxStatuses in models/status.h)");
  names_.push_back(name);
  return static_cast<Status>(names_.size() - 1);
}

const std::string& StatusTable::name(Status code) const {
  const auto i = static_cast<std::size_t>(code);
  DSIM_CHECK(i < names_.size());
  return names_[i];
}

}  // namespace dsim
