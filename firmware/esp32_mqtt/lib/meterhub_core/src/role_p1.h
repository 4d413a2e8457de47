// The P1 bridge: CRC-checked telegrams from the meter's P1 port, published raw on
// <prefix>/<dev>/telegram for the capture gateway to parse.
#pragma once
#include <cstdint>
#include <string>

#include "dsmr_framer.h"
#include "mqtt_client.h"
#include "p1_backlog.h"
#include "platform.h"

namespace meterhub {

struct P1Stats {
    uint32_t telegrams = 0;   // complete, CRC correct
    uint32_t published = 0;
    uint32_t bad = 0;         // framing or CRC errors
    uint32_t unsent = 0;      // not published live: kept for later with a backlog, else dropped
};

class P1Bridge {
public:
    // Without a backlog, telegrams that cannot be sent are dropped (the meter sends a fresh
    // one every second); with one they are kept and sent after the reconnect, and while it
    // is not empty new ones queue behind it, so the gateway sees them in order.
    P1Bridge(SerialPort& port, MqttClient& mqtt, Log& log, std::string telegram_topic,
             TelegramBacklog* backlog = nullptr);
    void loop();
    const P1Stats& stats() const { return stats_; }

private:
    void note_connection();  // a dropped link hands the recent live telegrams to the backlog

    SerialPort& port_;
    MqttClient& mqtt_;
    Log& log_;
    std::string topic_;
    TelegramBacklog* backlog_;
    bool was_online_ = false;
    DsmrFramer framer_;
    P1Stats stats_;
};

}  // namespace meterhub
