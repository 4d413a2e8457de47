#include "board.h"

#include <ArduinoOTA.h>
#include <WiFi.h>
#include <esp_system.h>
#include <time.h>

#include "iso_time.h"
#include "settings.h"

namespace board {

uint32_t ArduinoClock::millis() { return ::millis(); }

int64_t ArduinoClock::utc_seconds() {
    const time_t now = time(nullptr);
    return meterhub::is_plausible_utc(now) ? static_cast<int64_t>(now) : 0;
}

uint32_t ArduinoClock::random() { return esp_random(); }

void SerialLog::line(const char* text) { Serial.println(text); }

bool WiFiTransport::connect(const char* host, uint16_t port) {
    client_.stop();
    return client_.connect(host, port, 5000) == 1;
}

bool WiFiTransport::connected() { return client_.connected(); }

int WiFiTransport::read(uint8_t* buffer, size_t capacity) {
    const int waiting = client_.available();
    if (waiting <= 0) return client_.connected() ? 0 : -1;
    const size_t n = static_cast<size_t>(waiting) < capacity ? static_cast<size_t>(waiting) : capacity;
    return client_.read(buffer, n);
}

bool WiFiTransport::write(const uint8_t* data, size_t length) {
    while (length) {  // WiFiClient writes in pieces; zero means the socket gave up
        const size_t n = client_.write(data, length);
        if (n == 0) return false;
        data += n;
        length -= n;
    }
    return true;
}

void WiFiTransport::close() { client_.stop(); }

Board::Board(const meterhub::DeviceIdentity& identity, const char* mqtt_password,
             std::vector<meterhub::TopicKind> subscriptions, size_t outbox_capacity)
    : identity_(identity), topics_(identity.prefix), outbox_(outbox_capacity) {
    auto settings = meterhub::device_mqtt_settings(identity_, MH_MQTT_HOST, MH_MQTT_PORT, mqtt_password, subscriptions);
    settings.keep_alive_s = MH_MQTT_KEEP_ALIVE_S;
    mqtt_.reset(new meterhub::MqttClient(transport_, clock_, log_, settings, outbox_));
}

void Board::begin() {
    Serial.begin(115200);
    if (!meterhub::is_device_id(identity_.device)) {
        // A wrong id would publish where nobody listens; say so until someone looks.
        for (;;) {
            Serial.printf("config: device id '%s' is not [a-z0-9_-]+\n", identity_.device.c_str());
            delay(5000);
        }
    }
    Serial.printf("meterhub %s device=%s\n", identity_.role.c_str(), identity_.device.c_str());
    const std::string hostname = identity_.device + "-" + identity_.role;
    WiFi.mode(WIFI_STA);
    WiFi.setHostname(hostname.c_str());
    WiFi.setAutoReconnect(true);  // the WiFi driver retries on its own; MQTT waits for it
    WiFi.begin(MH_WIFI_SSID, MH_WIFI_PASSWORD);
    configTime(0, 0, MH_NTP_SERVER);
    ArduinoOTA.setHostname(hostname.c_str());
    ArduinoOTA.setPassword(MH_OTA_PASSWORD);
    ArduinoOTA.onStart([this] { mqtt_->go_offline(); });  // a planned restart, not a failure
}

bool Board::network_up() const { return WiFi.status() == WL_CONNECTED; }

void Board::loop() {
    if (network_up() && !ota_started_) {
        ArduinoOTA.begin();
        ota_started_ = true;
    }
    if (ota_started_) ArduinoOTA.handle();
    mqtt_->loop(network_up());
}

}  // namespace board
