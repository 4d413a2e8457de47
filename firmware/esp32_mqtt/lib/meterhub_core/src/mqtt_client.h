// One MQTT 5 session to the broker, kept up for as long as the device runs.
//
// Connects with a will (availability "offline", retained), subscribes to the device's
// command topics, announces "online" (retained) once the broker confirmed them, answers
// PINGs, and backs off between attempts. Sessions start clean: a command that waited at the broker while the
// device was away (a keypad sequence typed an hour late) is worse than none.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backoff.h"
#include "mqtt5_codec.h"
#include "outbox.h"
#include "platform.h"

namespace meterhub {

struct MqttSettings {
    std::string host;
    uint16_t port = 1883;
    std::string client_id;
    std::string username;
    std::string password;
    uint16_t keep_alive_s = 30;
    std::string availability_topic;
    std::vector<std::string> subscriptions;  // exact topics, QoS 1
    uint32_t max_inbound_bytes = 4096;       // commands are small; announced to the broker
    uint32_t connack_timeout_ms = 10000;
    uint32_t stable_after_ms = 30000;        // online this long before the backoff starts over
    size_t max_in_flight = 4;
};

struct MqttStats {
    uint32_t connects = 0;
    uint32_t refusals = 0;
    uint32_t drops = 0;
    uint32_t published = 0;
    uint32_t received = 0;
};

class MqttClient {
public:
    using MessageHandler = std::function<void(const mqtt5::Publish&)>;
    using StateHandler = std::function<void(bool online)>;

    MqttClient(Transport& transport, Clock& clock, Log& log, MqttSettings settings, Outbox& outbox,
               Backoff backoff = Backoff());

    void on_message(MessageHandler handler) { message_handler_ = std::move(handler); }
    void on_state(StateHandler handler) { state_handler_ = std::move(handler); }

    // Call often. network_up false (WiFi lost) ends the session at once.
    void loop(bool network_up);
    bool online() const { return state_ == State::Online; }

    // Sends now, or returns false (not connected, or the write failed). QoS 1 publishes
    // are not repeated: use the outbox for what must arrive.
    bool publish(const std::string& topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain,
                 const mqtt5::UserProperties& properties = {});
    bool publish(const std::string& topic, const std::string& payload, uint8_t qos, bool retain) {
        return publish(topic, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), qos, retain);
    }

    // Before a planned restart (OTA): say "offline" and leave without triggering the will.
    void go_offline();

    const MqttStats& stats() const { return stats_; }
    uint32_t next_attempt_ms() const { return next_attempt_ms_; }

private:
    enum class State { Disconnected, AwaitingConnack, Online };

    void attempt(uint32_t now);
    void drop(const char* reason);
    bool send(const mqtt5::Bytes& bytes);
    void read_incoming(uint32_t now);
    void handle_packet(uint32_t now);
    void became_online(uint32_t now);
    void announce();
    void flush_outbox();
    uint16_t next_packet_id();
    void logf(const char* format, ...);

    Transport& transport_;
    Clock& clock_;
    Log& log_;
    MqttSettings settings_;
    Outbox& outbox_;
    Backoff backoff_;
    MessageHandler message_handler_;
    StateHandler state_handler_;
    mqtt5::PacketReader reader_;
    State state_ = State::Disconnected;
    uint32_t next_attempt_ms_ = 0;
    uint32_t state_since_ms_ = 0;
    uint32_t last_sent_ms_ = 0;
    uint32_t last_received_ms_ = 0;
    uint16_t keep_alive_s_ = 30;
    uint16_t packet_id_ = 0;
    bool stable_ = false;
    bool announced_ = false;      // "online" published and the role told
    uint16_t subscribe_id_ = 0;
    MqttStats stats_;
};

}  // namespace meterhub
