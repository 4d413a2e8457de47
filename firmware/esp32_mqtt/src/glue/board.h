// What every role needs from an ESP32 running Arduino: serial log, WiFi, SNTP, OTA, and
// the core's Clock/Transport/Log on top of them. Kept thin: decisions live in the core.
#pragma once
#include <Arduino.h>
#include <WiFiClient.h>

#include <memory>

#include "device.h"
#include "mqtt_client.h"
#include "outbox.h"
#include "platform.h"

namespace board {

class ArduinoClock : public meterhub::Clock {
public:
    uint32_t millis() override;
    int64_t utc_seconds() override;  // 0 until SNTP has answered
    uint32_t random() override;
};

class SerialLog : public meterhub::Log {
public:
    void line(const char* text) override;
};

class WiFiTransport : public meterhub::Transport {
public:
    bool connect(const char* host, uint16_t port) override;
    bool connected() override;
    int read(uint8_t* buffer, size_t capacity) override;
    bool write(const uint8_t* data, size_t length) override;
    void close() override;

private:
    WiFiClient client_;
};

// WiFi, SNTP and OTA, and the device's MQTT session with its outbox.
class Board {
public:
    Board(const meterhub::DeviceIdentity& identity, const char* mqtt_password,
          std::vector<meterhub::TopicKind> subscriptions, size_t outbox_capacity = 32);

    void begin();  // call from setup()
    void loop();   // call first in every loop()

    bool network_up() const;
    meterhub::MqttClient& mqtt() { return *mqtt_; }
    meterhub::Outbox& outbox() { return outbox_; }
    ArduinoClock& clock() { return clock_; }
    SerialLog& log() { return log_; }
    const meterhub::Topics& topics() const { return topics_; }
    const std::string& device() const { return identity_.device; }

private:
    meterhub::DeviceIdentity identity_;
    meterhub::Topics topics_;
    ArduinoClock clock_;
    SerialLog log_;
    WiFiTransport transport_;
    meterhub::Outbox outbox_;
    std::unique_ptr<meterhub::MqttClient> mqtt_;
    bool ota_started_ = false;
};

}  // namespace board
