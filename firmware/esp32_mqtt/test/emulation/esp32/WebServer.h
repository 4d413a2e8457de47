// Stub of the ESP32 core's WebServer (synchronous HTTP server), as the glue uses it.
#pragma once
#include <Arduino.h>

#include <functional>

enum HTTPMethod { HTTP_ANY, HTTP_GET, HTTP_POST };
enum HTTPUploadStatus { UPLOAD_FILE_START, UPLOAD_FILE_WRITE, UPLOAD_FILE_END, UPLOAD_FILE_ABORTED };

struct HTTPUpload {
    HTTPUploadStatus status;
    String filename;
    String name;
    String type;
    size_t totalSize;
    size_t currentSize;
    uint8_t buf[1436];
};

class WebServer {
public:
    using Handler = std::function<void()>;
    explicit WebServer(int port = 80);
    void on(const char* uri, HTTPMethod method, Handler handler);
    void on(const char* uri, HTTPMethod method, Handler handler, Handler upload_handler);
    void onNotFound(Handler handler);
    void begin();
    void stop();
    void handleClient();
    bool authenticate(const char* user, const char* password);
    void requestAuthentication();
    HTTPUpload& upload();
    int args();
    String argName(int i);
    String arg(int i);
    String arg(const char* name);
    bool hasArg(const char* name);
    void send(int code, const char* content_type = nullptr, const String& content = String(""));
    void sendHeader(const String& name, const String& value, bool first = false);
    void setContentLength(size_t length);
    void sendContent(const char* content, size_t length);
};
