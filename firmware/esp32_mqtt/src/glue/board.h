// What every role needs from an ESP32 running Arduino: serial log, settings from NVS
// (the set-up page), WiFi, SNTP, mDNS, OTA, the status LED, and the core's
// Clock/Transport/Log on top of them. Kept thin: decisions live in the core.
#pragma once
#include <Arduino.h>
#include <WebServer.h>
#include <WiFiClient.h>

#include <map>
#include <memory>

#include "device.h"
#include "device_settings.h"
#include "glue/nvs_store.h"
#include "glue/setup_portal.h"
#include "mqtt_client.h"
#include "outbox.h"
#include "platform.h"
#include "status_led.h"

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

// Settings from NVS (or the set-up page), WiFi, SNTP, mDNS, OTA and the board's web
// server, the status LED and BOOT, and the device's MQTT session with its outbox.
class Board {
public:
    // identity.device, mqtt_password and option_defaults (config.h, secrets.h) only fill
    // in the set-up page on first boot; what it saves in NVS is what the board uses.
    Board(const meterhub::DeviceIdentity& identity, const char* mqtt_password,
          std::vector<meterhub::TopicKind> subscriptions, std::map<std::string, std::string> option_defaults = {},
          size_t outbox_capacity = 32);

    void begin();  // call from setup(); while set-up is open it never returns
    void loop();   // call first in every loop()

    bool network_up() const;
    meterhub::MqttClient& mqtt() { return *mqtt_; }
    meterhub::Outbox& outbox() { return outbox_; }
    ArduinoClock& clock() { return clock_; }
    SerialLog& log() { return log_; }
    const meterhub::Topics& topics() const { return topics_; }
    const std::string& device() const { return identity_.device; }
    // A role option from the set-up page (role_options in the core), as saved.
    std::string option(const char* key) const;
    long option_number(const char* key) const;
    // Port 80 on the home network: /update, and the role's own pages (the camera's).
    WebServer& web() { return web_; }
    void storage_failed() { storage_failed_ = true; }  // the LED shows SOS

private:
    [[noreturn]] void open_setup();
    void start_network_services();
    void serve_update_page();
    void receive_update();

    meterhub::DeviceIdentity identity_;
    meterhub::DeviceSettings settings_;
    std::vector<meterhub::TopicKind> subscriptions_;
    meterhub::Topics topics_;
    ArduinoClock clock_;
    SerialLog log_;
    WiFiTransport transport_;
    meterhub::Outbox outbox_;
    std::unique_ptr<meterhub::MqttClient> mqtt_;
    NvsStore store_;
    WebServer web_;
    std::string update_result_;
    meterhub::StatusLed led_;
    meterhub::HoldDetector boot_;
    bool services_started_ = false;
    bool storage_failed_ = false;
};

}  // namespace board
