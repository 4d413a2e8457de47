// The set-up access point: on first boot and after BOOT held 5 s, the board becomes a
// WiFi network of its own serving the core's set-up page; a good form is saved through
// the core and the board restarts into it. Never returns.
#pragma once
#include <WebServer.h>

#include <string>

#include "device_settings.h"
#include "status_led.h"

namespace board {

// "meterhub-<role>-<4 hex digits of the MAC>": two boards in set-up at once stay apart.
std::string setup_network_name(const std::string& role);

struct StatusPin {
    int gpio;
    bool active_low;
    void show(const meterhub::StatusLed& led, uint32_t now_ms) const;
};

[[noreturn]] void run_setup(const std::string& role, const meterhub::DeviceSettings& saved,
                            meterhub::KeyValueStore& store, WebServer& web, const StatusPin& pin);

}  // namespace board
