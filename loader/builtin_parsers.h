// The parsers of dsim's built-in kinds (registered in loader/builtin.cpp),
// and what they share. A user's own kind needs none of this: a Parser
// (loader/registry.h) of its own is enough.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dsim/loader/config.h"
#include "dsim/loader/registry.h"
#include "dsim/models/arrival_trace.h"
#include "dsim/models/rate_schedule.h"

namespace dsim {

ParsedComponent parse_client(ComponentCommon common, MapReader& fields);
ParsedComponent parse_load_balancer(ComponentCommon common, MapReader& fields);
ParsedComponent parse_service(ComponentCommon common, MapReader& fields);
ParsedComponent parse_replicated_store(ComponentCommon common, MapReader& fields);
ParsedComponent parse_pbs_probe(ComponentCommon common, MapReader& fields);

// Fields several kinds share, read alike (the same ranges and messages).
// `workers`: 1 to 1,000,000 per replica, at most 10,000,000 over `replicas`.
std::int64_t read_workers(const ConfigNode& n, int replicas);
// `queue_capacity`: a whole number from 0 to 10^9 of waiting `what`
// ("requests", "operations"), or unlimited (-1).
std::int64_t read_queue_capacity(const ConfigNode& n, const char* what);
// A message size (`request_size`, `response_size`): 0B to 4GB.
std::uint32_t read_message_size(const ConfigNode& n);

// A client's load over time (loader/parse_schedule.cpp).
// `rate: {points: [...]}` or `rate: {diurnal: {...}}`.
RateSchedule read_rate_schedule(const ConfigNode& rate);
// `users: {points: [...]}`: a closed loop's users over time.
RateSchedule read_user_schedule(const ConfigNode& users);
// `bursts: [...]`, added to `schedule`; returns each burst's `at`, to check
// against the run's duration.
std::vector<ConfigNode> read_bursts(const ConfigNode& bursts, RateSchedule& schedule);
// `replay: file.csv`: the file read, or a message located in it.
std::shared_ptr<const ArrivalTrace> read_arrival_trace(const ConfigNode& replay);
// The most arrivals a trace has within any one second.
double busiest_second(const ArrivalTrace& trace);

// The text of a scalar node as written, or "" for a list or mapping: a name
// kept in a spec before its reference is checked (the check reports a
// non-scalar with its location).
inline std::string raw_text(const ConfigNode& node) { return node.text(); }

}  // namespace dsim
