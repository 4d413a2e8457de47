// Stub of the ESP32 core's WiFiClient (a TCP connection), enough to compile the glue.
#pragma once
#include <Arduino.h>

#include "IPAddress.h"

// A Stream, as the ESP32 core's is (through Client, which EpoxyDuino has only for ESP8266).
class WiFiClient : public Stream {
public:
    int connect(IPAddress ip, uint16_t port);
    int connect(const char* host, uint16_t port);
    int connect(const char* host, uint16_t port, int32_t timeout_ms);
    size_t write(uint8_t byte);
    size_t write(const uint8_t* data, size_t length);
    int available();
    int read();
    int read(uint8_t* buffer, size_t length);
    int peek();
    void flush();
    void stop();
    int setNoDelay(bool nodelay);
    uint8_t connected();
    explicit operator bool();
    using Print::write;
};
