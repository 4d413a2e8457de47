// Stub of the ESP32 core's WebServer (synchronous HTTP server), as the glue uses it.
#pragma once
#include <Arduino.h>

#include <functional>

enum HTTPMethod { HTTP_ANY, HTTP_GET, HTTP_POST };

class WebServer {
public:
    using Handler = std::function<void()>;
    explicit WebServer(int port = 80);
    void on(const char* uri, HTTPMethod method, Handler handler);
    void begin();
    void handleClient();
    String arg(const char* name);
    bool hasArg(const char* name);
    void send(int code, const char* content_type = nullptr, const String& content = String(""));
    void sendHeader(const String& name, const String& value, bool first = false);
    void setContentLength(size_t length);
    void sendContent(const char* content, size_t length);
};
