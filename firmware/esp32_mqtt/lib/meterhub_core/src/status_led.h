// Status LED codes, so a person at the board sees what it is doing without a serial
// console. One table: each state is a repeating pattern of on/off times.
//
//   set-up   the access point is open   slow blink: 1 s on, 1 s off
//   connect  joining WiFi               fast blink: 100 ms on, 100 ms off
//   no-wifi  WiFi refused or not found  2 flashes, pause
//   no-broker  WiFi up, broker not       3 flashes, pause
//   ok       online                     one short flash every 5 s
//   storage  flash/SD card failed       SOS (... --- ...), as seed 002's monitor did
#pragma once
#include <cstddef>
#include <cstdint>

namespace meterhub {

enum class DeviceStatus { SetUp, Connecting, NoWifi, NoBroker, Ok, StorageFailed };

const char* status_name(DeviceStatus status);

// What the board knows, turned into the one state the LED shows (storage first: it needs
// a person; then set-up; then the connection from the bottom up).
DeviceStatus device_status(bool setup_mode, bool wifi_up, bool wifi_failed, bool broker_online, bool storage_failed);

class StatusLed {
public:
    void show(DeviceStatus status, uint32_t now_ms);  // restarts the pattern on a change
    bool lit(uint32_t now_ms) const;
    DeviceStatus status() const { return status_; }

private:
    DeviceStatus status_ = DeviceStatus::Connecting;
    uint32_t since_ms_ = 0;
};

// A button held down: true once when it has been held `hold_ms` (BOOT held 5 s: set-up).
class HoldDetector {
public:
    explicit HoldDetector(uint32_t hold_ms = 5000) : hold_ms_(hold_ms) {}
    bool feed(bool pressed, uint32_t now_ms);

private:
    uint32_t hold_ms_;
    bool down_ = false;
    bool fired_ = false;
    uint32_t since_ms_ = 0;
};

}  // namespace meterhub
