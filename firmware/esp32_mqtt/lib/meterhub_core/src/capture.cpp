#include "capture.h"

#include <cstdio>

#include "json_in.h"

namespace meterhub {

namespace {

bool reached(uint32_t now, uint32_t deadline) { return static_cast<int32_t>(now - deadline) >= 0; }

bool looks_like_json_object(const char* payload, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        char c = payload[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        return c == '{';
    }
    return false;
}

}  // namespace

bool parse_capture_request(const char* payload, size_t length, std::string* request_id, std::string* error) {
    request_id->clear();
    if (!looks_like_json_object(payload, length)) return true;
    FlatJsonObject object;
    std::string reason;
    if (!object.parse(payload, length, &reason)) {
        *error = "payload: " + reason;
        return false;
    }
    for (const auto& field : object.fields()) {
        if (field.name == "burst") {
            // A burst's further photos are asked for one by one by the gateway: this
            // camera takes one, after checking the field as the hub's model does.
            if (field.kind != JsonField::Kind::Number || field.number != static_cast<int>(field.number)) {
                *error = "burst: Input should be a valid integer";
                return false;
            }
            if (field.number < 1 || field.number > kMaxBurst) {
                *error = field.number < 1 ? "burst: Input should be greater than or equal to 1"
                                          : "burst: Input should be less than or equal to 10";
                return false;
            }
            continue;
        }
        if (field.name != "request_id") {
            *error = field.name + ": Extra inputs are not permitted";
            return false;
        }
        if (field.kind != JsonField::Kind::String) {
            *error = "request_id: Input should be a valid string";
            return false;
        }
        if (field.text.size() > 64) {
            *error = "request_id: String should have at most 64 characters";
            return false;
        }
        *request_id = field.text;
    }
    return true;
}

std::string make_frame_id(uint64_t random) {
    char text[20];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(random));
    return text;
}

std::vector<std::pair<std::string, std::string>> frame_user_properties(const FrameProperties& frame) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!frame.ts.empty()) out.emplace_back("ts", frame.ts);
    out.emplace_back("frame_id", frame.frame_id);
    if (!frame.request_id.empty()) out.emplace_back("request_id", frame.request_id);
    return out;
}

CaptureScheduler::CaptureScheduler(uint32_t interval_s, uint32_t min_spacing_ms, size_t max_pending)
    : interval_s_(interval_s), min_spacing_ms_(min_spacing_ms), max_pending_(max_pending) {}

bool CaptureScheduler::request(const std::string& request_id) {
    if (pending_.size() >= max_pending_) return false;
    pending_.push_back(request_id);
    return true;
}

bool CaptureScheduler::scheduled_due(uint32_t now_ms, int64_t utc_s) {
    if (interval_s_ == 0) return false;
    if (utc_s > 0) {
        const int64_t slot = utc_s / interval_s_;
        if (!aligned_) {  // the first boundary after the clock is known, not at once
            aligned_ = true;
            last_slot_ = slot;
            return false;
        }
        if (slot == last_slot_) return false;
        last_slot_ = slot;
        return true;
    }
    if (!started_) {
        started_ = true;
        last_scheduled_ms_ = now_ms;
        return false;
    }
    if (!reached(now_ms, last_scheduled_ms_ + interval_s_ * 1000)) return false;
    last_scheduled_ms_ = now_ms;
    return true;
}

bool CaptureScheduler::due(uint32_t now_ms, int64_t utc_s, Shot* shot) {
    if (scheduled_due(now_ms, utc_s)) scheduled_waiting_ = true;
    if (any_shot_ && !reached(now_ms, last_shot_ms_ + min_spacing_ms_)) return false;
    if (!pending_.empty()) {
        shot->request_id = pending_.front();
        pending_.pop_front();
        scheduled_waiting_ = false;  // one photo answers the request and the schedule
        return true;
    }
    if (!scheduled_waiting_) return false;
    scheduled_waiting_ = false;
    shot->request_id.clear();
    return true;
}

void CaptureScheduler::shot_taken(uint32_t now_ms) {
    any_shot_ = true;
    last_shot_ms_ = now_ms;
}

}  // namespace meterhub
