// The HTTP fallback for frames: when the broker cannot take a frame, the camera POSTs it
// to the capture gateway. The frame's metadata travels in headers that mirror the MQTT
// user properties (X-Meterhub-Ts, X-Meterhub-Frame-Id, X-Meterhub-Request-Id).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "capture.h"

namespace meterhub {

struct HttpUrl {
    std::string host;
    uint16_t port = 80;
    std::string path = "/";
};

// Plain http:// only: the gateway sits on the home network, and TLS would not fit the
// ESP32-CAM's memory next to a frame buffer.
bool parse_http_url(const std::string& url, HttpUrl* out, std::string* error);

// Request line and headers up to the blank line; `token` (may be empty) goes out as a
// bearer token.
std::string frame_upload_head(const HttpUrl& url, const std::string& device, const FrameProperties& frame,
                              size_t length, const std::string& token);

// "HTTP/1.1 201 Created" -> 201; -1 for anything that is not a status line.
int parse_http_status_line(const std::string& line);

}  // namespace meterhub
