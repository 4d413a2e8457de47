// The ESP32-CAM role: shoots on cmd/capture and on its schedule, publishes the JPEG on
// <prefix>/<dev>/frame/raw with ts/frame_id/request_id user properties (the capture
// gateway checks it and forwards it to <dev>/frame), and POSTs it to the gateway instead
// when the broker cannot take it. With upload_always, every frame goes by HTTP: that is
// the gateway's "upload" source, while MQTT still brings cmd/capture.
#pragma once
#include <cstdint>
#include <string>

#include "capture.h"
#include "http_upload.h"
#include "mqtt_client.h"
#include "platform.h"

namespace meterhub {

struct CameraSettings {
    std::string device;
    std::string frame_topic;
    uint32_t interval_s = 0;
    uint32_t max_frame_bytes = 200 * 1024;  // well under the OCR worker's 4 MiB
    std::string upload_url;                 // empty: no HTTP fallback
    std::string upload_token;
    bool upload_always = false;
};

struct CameraStats {
    uint32_t shots = 0;
    uint32_t published = 0;
    uint32_t uploaded = 0;
    uint32_t lost = 0;      // neither path took the frame
    uint32_t failed = 0;    // the camera gave no frame
    uint32_t refused = 0;   // malformed cmd/capture payloads, or too many waiting
};

class CameraRole {
public:
    CameraRole(Camera& camera, MqttClient& mqtt, HttpPoster& poster, Clock& clock, Log& log, CameraSettings settings);

    void on_capture_request(const std::string& payload);
    void loop();
    const CameraStats& stats() const { return stats_; }

private:
    void shoot(const Shot& shot);
    bool upload(const FrameProperties& frame, const uint8_t* jpeg, size_t length);
    void logf(const char* format, ...);

    Camera& camera_;
    MqttClient& mqtt_;
    HttpPoster& poster_;
    Clock& clock_;
    Log& log_;
    CameraSettings settings_;
    CaptureScheduler scheduler_;
    HttpUrl upload_url_;
    bool upload_enabled_ = false;
    CameraStats stats_;
};

}  // namespace meterhub
