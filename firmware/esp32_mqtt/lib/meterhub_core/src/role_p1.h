// The P1 bridge: CRC-checked telegrams from the meter's P1 port, published raw on
// <prefix>/<dev>/telegram for the capture gateway to parse.
#pragma once
#include <cstdint>
#include <string>

#include "dsmr_framer.h"
#include "mqtt_client.h"
#include "platform.h"

namespace meterhub {

struct P1Stats {
    uint32_t telegrams = 0;   // complete, CRC correct
    uint32_t published = 0;
    uint32_t bad = 0;         // framing or CRC errors
    uint32_t unsent = 0;      // dropped while offline: the meter sends a fresh one every second
};

class P1Bridge {
public:
    P1Bridge(SerialPort& port, MqttClient& mqtt, Log& log, std::string telegram_topic);
    void loop();
    const P1Stats& stats() const { return stats_; }

private:
    SerialPort& port_;
    MqttClient& mqtt_;
    Log& log_;
    std::string topic_;
    DsmrFramer framer_;
    P1Stats stats_;
};

}  // namespace meterhub
