// UTC timestamps as the bus writes them: ISO 8601 with a 'Z' ("2026-11-22T05:00:00Z").
#pragma once
#include <cstdint>
#include <string>

namespace meterhub {

// Seconds since 1970-01-01T00:00:00Z -> "YYYY-MM-DDTHH:MM:SSZ".
std::string iso8601_utc(int64_t epoch_seconds);

// Before SNTP has answered, an ESP32 clock counts from 1970: such a time must not stamp a
// reading. Anything before 2020 is taken as "not set".
bool is_plausible_utc(int64_t epoch_seconds);

}  // namespace meterhub
