// Reading JSON, the message every meter reader publishes on <prefix>/<dev>/reading.
// Shape and spelling are those of services/core/messages.py (Reading.to_payload()).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "decimal.h"

namespace meterhub {

struct ReadingValue {
    std::string quantity;  // a key of the quantity catalogue (services/core/quantities.py)
    Decimal value;
};

struct Reading {
    std::string device;
    int64_t ts = 0;  // epoch seconds, UTC
    std::string source;  // ocr, p1, dlt645, iec62056, manual, sim
    std::vector<ReadingValue> values;
    std::string meter_id;  // empty: null
    std::string request_id;  // empty: null
};

std::string reading_json(const Reading& reading);

}  // namespace meterhub
