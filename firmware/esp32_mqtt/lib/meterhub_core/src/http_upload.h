// Frames over HTTP: POST <gateway>/api/frames/<dev> with the JPEG as the body, the shot's
// time and request id as ?ts= and ?request_id= (the gateway's upload endpoint, see
// docs/capture.md) and the device token as a bearer token. The gateway gives the frame
// its own id, so frame_id does not travel.
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
std::string frame_upload_head(const HttpUrl& url, const FrameProperties& frame, size_t length,
                              const std::string& token);

// Percent-encoding for a query value (RFC 3986 unreserved characters pass as they are).
std::string url_encode(const std::string& value);

// "HTTP/1.1 201 Created" -> 201; -1 for anything that is not a status line.
int parse_http_status_line(const std::string& line);

}  // namespace meterhub
