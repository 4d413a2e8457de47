// What the core needs from the board. The Arduino glue implements these with WiFiClient,
// HardwareSerial, GPIO and esp_camera; the host tests and the device simulator with
// sockets and in-memory fakes. No Arduino header is reachable from the core.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace meterhub {

class Clock {
public:
    virtual ~Clock() = default;
    virtual uint32_t millis() = 0;
    virtual int64_t utc_seconds() = 0;  // 0 while the wall clock is not set (no SNTP answer yet)
    virtual uint32_t random() = 0;      // hardware RNG on the device; jitter and ids
};

// A TCP connection to the broker.
class Transport {
public:
    virtual ~Transport() = default;
    virtual bool connect(const char* host, uint16_t port) = 0;
    virtual bool connected() = 0;
    // Never blocks: bytes read, 0 when nothing is waiting, -1 when the peer closed.
    virtual int read(uint8_t* buffer, size_t capacity) = 0;
    // Writes all or fails; a partial write leaves the stream unusable and the caller closes.
    virtual bool write(const uint8_t* data, size_t length) = 0;
    virtual void close() = 0;
};

// A serial line: the P1 port, or the RS-485 transceiver (half duplex: the glue drives DE/RE
// around each write and returns from write() only when the last bit is on the line).
class SerialPort {
public:
    virtual ~SerialPort() = default;
    virtual int read(uint8_t* buffer, size_t capacity) = 0;  // non-blocking
    virtual void write(const uint8_t* data, size_t length) = 0;
};

class Log {
public:
    virtual ~Log() = default;
    virtual void line(const char* text) = 0;
};

}  // namespace meterhub

namespace meterhub {

// GPIO outputs by pin number; the glue maps "on" to the driver's active level.
class DigitalOutputs {
public:
    virtual ~DigitalOutputs() = default;
    virtual void set(int pin, bool on) = 0;
};

// The camera: capture() lights the flash, takes a JPEG and keeps its buffer until release().
class Camera {
public:
    virtual ~Camera() = default;
    virtual bool capture(const uint8_t** jpeg, size_t* length) = 0;
    virtual void release() = 0;
};

// An HTTP/1.1 POST to host:port: writes `head` then the body, returns the response status
// code, or -1 when there was no response.
class HttpPoster {
public:
    virtual ~HttpPoster() = default;
    virtual int post(const char* host, uint16_t port, const std::string& head, const uint8_t* body,
                     size_t length) = 0;
};

}  // namespace meterhub
