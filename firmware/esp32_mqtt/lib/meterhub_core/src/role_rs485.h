// The RS-485 reader: polls a DL/T 645-1997 meter for each data id every interval and
// queues one Reading (source "dlt645") with what the meter answered. It behaves as the
// capture gateway's own poller (services/capture_gateway/rs485.py) so a meter read by an
// ESP32 and one read by a USB adapter look the same on the bus:
//  - each request is tried 1 + retries times, reply_timeout_ms each;
//  - a data id the meter refuses (error reply) is not asked for again;
//  - when nothing at all answered, the rest of the cycle is skipped and the meter is
//    reported silent (availability "offline") until it answers again.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dlt645.h"
#include "outbox.h"
#include "platform.h"
#include "reading.h"

namespace meterhub {

struct Rs485Settings {
    std::string device;
    std::string reading_topic;
    dlt645::Address address;           // default: broadcast, for the one meter on the line
    std::vector<uint16_t> data_ids;    // default_data_ids() unless configured
    uint32_t interval_ms = 30000;
    uint32_t reply_timeout_ms = 1000;  // a 2400-baud reply of 20 bytes takes ~90 ms
    uint8_t retries = 2;
    uint32_t gap_ms = 50;              // quiet line between a reply and the next request
    bool preamble = true;
};

// Every 1997 register that lands in a reading, single phase: what the gateway polls.
std::vector<uint16_t> default_data_ids(int phases = 1);

struct Rs485Stats {
    uint32_t cycles = 0;
    uint32_t readings = 0;
    uint32_t timeouts = 0;
    uint32_t refusals = 0;
    uint32_t bad_frames = 0;
};

class Rs485Reader {
public:
    using MeterStateHandler = std::function<void(bool answering)>;

    Rs485Reader(SerialPort& port, Clock& clock, Log& log, Outbox& outbox, Rs485Settings settings);
    void on_meter_state(MeterStateHandler handler) { meter_state_handler_ = std::move(handler); }
    void loop();

    const Rs485Stats& stats() const { return stats_; }
    const std::vector<uint16_t>& data_ids() const { return settings_.data_ids; }
    int meter_answering() const { return meter_answering_; }  // -1 not polled yet, 0 silent, 1 answering

private:
    enum class Phase { Idle, Waiting, Gap };
    void start_cycle(uint32_t now);
    void send_request(uint32_t now);
    void handle_frame(uint32_t now);
    void next_item(uint32_t now);
    void finish_cycle();
    void set_meter_state(bool answering);
    void logf(const char* format, ...);

    SerialPort& port_;
    Clock& clock_;
    Log& log_;
    Outbox& outbox_;
    Rs485Settings settings_;
    MeterStateHandler meter_state_handler_;
    dlt645::FrameReader reader_;
    Phase phase_ = Phase::Idle;
    bool polled_once_ = false;
    uint32_t cycle_start_ms_ = 0, deadline_ms_ = 0;
    size_t item_ = 0;
    uint8_t tries_ = 0;
    bool answered_ = false;  // anything at all came back this cycle
    std::vector<uint16_t> refused_;
    Reading reading_;
    int meter_answering_ = -1;
    Rs485Stats stats_;
};

class MqttClient;

// An RS-485 device is available while its meter answers, as the gateway reports a meter
// it polls itself: "offline" (retained) when the meter falls silent, "online" when it
// answers again, and "offline" again right after a reconnect while it is still silent.
void link_meter_availability(Rs485Reader& reader, MqttClient& mqtt, const std::string& availability_topic);

}  // namespace meterhub
