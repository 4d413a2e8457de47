// When the camera shoots, and what travels with each frame.
//
// Shots come from cmd/capture requests (each answered by its own frame, carrying the
// request_id so the asker can match the reading) and from an interval schedule. With the
// wall clock known the schedule is aligned to it (every 60 s means at :00), so frames of
// several cameras and the minute buckets of the history line up.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace meterhub {

// cmd/capture payload -> request id. {"request_id": "..."} and {} are requests; so is
// anything that is not JSON at all (a Home Assistant MQTT button sends "PRESS"), without
// an id. A JSON object with wrong fields is refused with the reason.
constexpr int kMaxBurst = 10;  // CaptureRequest.burst's bound (services/core/messages.py)
bool parse_capture_request(const char* payload, size_t length, std::string* request_id, std::string* error);

// 16 lowercase hex digits, the shape of new_id() on the Python side.
std::string make_frame_id(uint64_t random);

struct FrameProperties {
    std::string ts;  // ISO 8601 UTC; empty before the clock is set (the OCR worker then stamps arrival)
    std::string frame_id;
    std::string request_id;  // empty for scheduled shots
};

// MQTT 5 user properties of a frame, in the order the bus contract lists them.
std::vector<std::pair<std::string, std::string>> frame_user_properties(const FrameProperties& frame);

struct Shot {
    std::string request_id;
};

class CaptureScheduler {
public:
    // interval_s 0: only on request. min_spacing_ms keeps a burst of requests from
    // outrunning the sensor (each still gets its own frame, one after another).
    CaptureScheduler(uint32_t interval_s, uint32_t min_spacing_ms = 1000, size_t max_pending = 4);

    bool request(const std::string& request_id);  // false when too many are waiting
    bool due(uint32_t now_ms, int64_t utc_s, Shot* shot);  // utc_s 0: clock not set
    void shot_taken(uint32_t now_ms);
    size_t pending() const { return pending_.size(); }

private:
    bool scheduled_due(uint32_t now_ms, int64_t utc_s);

    uint32_t interval_s_, min_spacing_ms_;
    size_t max_pending_;
    std::deque<std::string> pending_;
    bool started_ = false, aligned_ = false, any_shot_ = false, scheduled_waiting_ = false;
    int64_t last_slot_ = 0;
    uint32_t last_scheduled_ms_ = 0, last_shot_ms_ = 0;
};

}  // namespace meterhub
