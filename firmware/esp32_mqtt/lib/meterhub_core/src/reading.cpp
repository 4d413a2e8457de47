#include "reading.h"

#include "iso_time.h"
#include "json_out.h"

namespace meterhub {

std::string reading_json(const Reading& reading) {
    JsonObjectWriter values;
    for (const auto& v : reading.values) values.decimal(v.quantity.c_str(), v.value);
    JsonObjectWriter out;
    out.string("device", reading.device)
        .string("ts", iso8601_utc(reading.ts))
        .string("source", reading.source)
        .raw("values", values.finish())
        .null("confidence")  // a meter's own register is not a guess
        .null("frame_id")
        .optional_string("request_id", reading.request_id.empty() ? nullptr : &reading.request_id)
        .optional_string("meter_id", reading.meter_id.empty() ? nullptr : &reading.meter_id);
    return out.finish();
}

}  // namespace meterhub
