#include "http_upload.h"

#include <cstdlib>

namespace meterhub {

namespace {

// A token comes from the config; a CR/LF in it must not start a header of its own.
std::string header_safe(const std::string& value) {
    std::string out = value;
    for (auto& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '_';
    return out;
}

}  // namespace

bool parse_http_url(const std::string& url, HttpUrl* out, std::string* error) {
    const std::string scheme = "http://";
    if (url.compare(0, scheme.size(), scheme) != 0) {
        *error = "upload URL '" + url + "' must start with http://";
        return false;
    }
    const size_t host_start = scheme.size();
    size_t path_start = url.find('/', host_start);
    if (path_start == std::string::npos) path_start = url.size();
    std::string authority = url.substr(host_start, path_start - host_start);
    HttpUrl parsed;
    const size_t colon = authority.rfind(':');
    if (colon != std::string::npos) {
        const std::string port = authority.substr(colon + 1);
        char* end = nullptr;
        const long value = std::strtol(port.c_str(), &end, 10);
        if (port.empty() || *end != '\0' || value < 1 || value > 65535) {
            *error = "upload URL '" + url + "' has a bad port";
            return false;
        }
        parsed.port = static_cast<uint16_t>(value);
        authority.resize(colon);
    }
    if (authority.empty() || authority.find('@') != std::string::npos) {
        *error = "upload URL '" + url + "' needs a host (and no user:password@)";
        return false;
    }
    parsed.host = authority;
    parsed.path = path_start < url.size() ? url.substr(path_start) : "/";
    *out = parsed;
    return true;
}

std::string url_encode(const std::string& value) {
    static const char* const kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

std::string frame_upload_head(const HttpUrl& url, const FrameProperties& frame, size_t length,
                              const std::string& token) {
    std::string target = url.path;
    char separator = target.find('?') == std::string::npos ? '?' : '&';
    if (!frame.ts.empty()) {
        target += separator + std::string("ts=") + url_encode(frame.ts);
        separator = '&';
    }
    if (!frame.request_id.empty()) target += separator + std::string("request_id=") + url_encode(frame.request_id);
    std::string head = "POST " + target + " HTTP/1.1\r\n";
    head += "Host: " + url.host + (url.port == 80 ? "" : ":" + std::to_string(url.port)) + "\r\n";
    head += "Content-Type: image/jpeg\r\n";
    head += "Content-Length: " + std::to_string(length) + "\r\n";
    if (!token.empty()) head += "Authorization: Bearer " + header_safe(token) + "\r\n";
    head += "Connection: close\r\n\r\n";
    return head;
}

int parse_http_status_line(const std::string& line) {
    if (line.compare(0, 7, "HTTP/1.") != 0 || line.size() < 12 || line[8] != ' ') return -1;
    int status = 0;
    for (size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') return -1;
        status = status * 10 + (line[i] - '0');
    }
    return (line.size() == 12 || line[12] == ' ' || line[12] == '\r') ? status : -1;
}

}  // namespace meterhub
