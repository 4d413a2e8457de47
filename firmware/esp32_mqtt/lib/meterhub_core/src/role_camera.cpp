#include "role_camera.h"

#include <cstdarg>
#include <cstdio>

#include "iso_time.h"

namespace meterhub {

CameraRole::CameraRole(Camera& camera, MqttClient& mqtt, HttpPoster& poster, Clock& clock, Log& log,
                       CameraSettings settings)
    : camera_(camera),
      mqtt_(mqtt),
      poster_(poster),
      clock_(clock),
      log_(log),
      settings_(std::move(settings)),
      scheduler_(settings_.interval_s) {
    std::string error;
    if (!settings_.upload_url.empty()) {
        upload_enabled_ = parse_http_url(settings_.upload_url, &upload_url_, &error);
        if (!upload_enabled_) logf("camera: HTTP upload off reason=\"%s\"", error.c_str());
    }
    if (settings_.upload_always && !upload_enabled_) {
        logf("camera: upload_always needs an upload URL; frames go over MQTT");
        settings_.upload_always = false;
    }
}

void CameraRole::logf(const char* format, ...) {
    char text[192];
    va_list args;
    va_start(args, format);
    std::vsnprintf(text, sizeof text, format, args);
    va_end(args);
    log_.line(text);
}

void CameraRole::on_capture_request(const std::string& payload) {
    std::string request_id, error;
    if (!parse_capture_request(payload.data(), payload.size(), &request_id, &error)) {
        ++stats_.refused;
        logf("camera: capture request refused reason=\"%s\"", error.c_str());
        return;
    }
    if (!scheduler_.request(request_id)) {
        ++stats_.refused;
        logf("camera: capture request dropped reason=\"too many waiting\" request_id=%s", request_id.c_str());
    }
}

void CameraRole::loop() {
    Shot shot;
    const int64_t utc = clock_.utc_seconds();
    if (scheduler_.due(clock_.millis(), utc, &shot)) shoot(shot);
}

bool CameraRole::upload(const FrameProperties& frame, const uint8_t* jpeg, size_t length) {
    if (!upload_enabled_) return false;
    const std::string head = frame_upload_head(upload_url_, frame, length, settings_.upload_token);
    const int status = poster_.post(upload_url_.host.c_str(), upload_url_.port, head, jpeg, length);
    if (status >= 200 && status < 300) return true;
    logf("camera: HTTP upload failed status=%d frame_id=%s", status, frame.frame_id.c_str());
    return false;
}

void CameraRole::shoot(const Shot& shot) {
    ++stats_.shots;
    const uint8_t* jpeg = nullptr;
    size_t length = 0;
    const bool captured = camera_.capture(&jpeg, &length);
    scheduler_.shot_taken(clock_.millis());
    if (!captured) {
        ++stats_.failed;
        logf("camera: capture failed request_id=%s", shot.request_id.c_str());
        return;
    }
    FrameProperties frame;
    const int64_t utc = clock_.utc_seconds();
    if (utc) frame.ts = iso8601_utc(utc);
    frame.frame_id = make_frame_id(static_cast<uint64_t>(clock_.random()) << 32 | clock_.random());
    frame.request_id = shot.request_id;

    if (length > settings_.max_frame_bytes) {
        ++stats_.lost;
        logf("camera: frame too large bytes=%u max=%u (lower the resolution or JPEG quality)",
             static_cast<unsigned>(length), static_cast<unsigned>(settings_.max_frame_bytes));
    } else if (!settings_.upload_always &&
               mqtt_.publish(settings_.frame_topic, jpeg, length, 1, false, frame_user_properties(frame))) {
        ++stats_.published;
    } else if (upload(frame, jpeg, length)) {
        ++stats_.uploaded;
    } else {
        ++stats_.lost;
        logf("camera: frame lost frame_id=%s (broker and gateway unreachable)", frame.frame_id.c_str());
    }
    camera_.release();
}

}  // namespace meterhub
