#include "status_led.h"

namespace meterhub {

namespace {

struct Pattern {
    DeviceStatus status;
    const char* name;
    uint16_t steps[18];  // on, off, on, off, … in ms; 0 ends
};

constexpr uint16_t S = 150, L = 450, G = 150;  // SOS: short, long, gap
constexpr Pattern kPatterns[] = {
    {DeviceStatus::SetUp, "set-up", {1000, 1000}},
    {DeviceStatus::Connecting, "connecting", {100, 100}},
    {DeviceStatus::NoWifi, "no-wifi", {150, 250, 150, 1450}},
    {DeviceStatus::NoBroker, "no-broker", {150, 250, 150, 250, 150, 1450}},
    {DeviceStatus::Ok, "ok", {50, 4950}},
    {DeviceStatus::StorageFailed, "storage", {S, G, S, G, S, L, L, G, L, G, L, L, S, G, S, G, S, 1500}},
};

const Pattern& pattern(DeviceStatus status) {
    for (const auto& p : kPatterns)
        if (p.status == status) return p;
    return kPatterns[0];
}

}  // namespace

const char* status_name(DeviceStatus status) { return pattern(status).name; }

DeviceStatus device_status(bool setup_mode, bool wifi_up, bool wifi_failed, bool broker_online, bool storage_failed) {
    if (storage_failed) return DeviceStatus::StorageFailed;
    if (setup_mode) return DeviceStatus::SetUp;
    if (!wifi_up) return wifi_failed ? DeviceStatus::NoWifi : DeviceStatus::Connecting;
    return broker_online ? DeviceStatus::Ok : DeviceStatus::NoBroker;
}

void StatusLed::show(DeviceStatus status, uint32_t now_ms) {
    if (status == status_) return;
    status_ = status;
    since_ms_ = now_ms;
}

bool StatusLed::lit(uint32_t now_ms) const {
    const Pattern& p = pattern(status_);
    uint32_t period = 0;
    size_t steps = 0;
    while (steps < sizeof p.steps / sizeof p.steps[0] && p.steps[steps]) period += p.steps[steps++];
    uint32_t at = (now_ms - since_ms_) % period;
    for (size_t i = 0; i < steps; ++i) {
        if (at < p.steps[i]) return i % 2 == 0;  // even steps are "on"
        at -= p.steps[i];
    }
    return false;
}

bool HoldDetector::feed(bool pressed, uint32_t now_ms) {
    if (!pressed) {
        down_ = fired_ = false;
        return false;
    }
    if (!down_) {
        down_ = true;
        since_ms_ = now_ms;
    }
    if (!fired_ && now_ms - since_ms_ >= hold_ms_) {
        fired_ = true;
        return true;
    }
    return false;
}

}  // namespace meterhub
