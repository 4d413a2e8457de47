#include "board.h"

#include <ArduinoOTA.h>
#include <ESPmDNS.h>
#include <Update.h>
#include <WiFi.h>
#include <esp_system.h>
#include <time.h>

#include "iso_time.h"
#include "settings.h"
#include "settings_form.h"

// The status LED and the BOOT button: GPIO2 and GPIO0 on most ESP32 boards; the
// ESP32-CAM's red LED (GPIO33) is lit on LOW; BOOT is GPIO9 on the ESP32-C3
// (platformio.ini sets these per environment).
#ifndef MH_STATUS_LED_GPIO
#define MH_STATUS_LED_GPIO 2
#endif
#ifndef MH_STATUS_LED_ACTIVE_LOW
#define MH_STATUS_LED_ACTIVE_LOW false
#endif
#ifndef MH_BOOT_GPIO
#if defined(CONFIG_IDF_TARGET_ESP32C3)
#define MH_BOOT_GPIO 9
#else
#define MH_BOOT_GPIO 0
#endif
#endif

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
    if (client_.connect(host, port, 5000) != 1) return false;
    // Small packets at once, as the hub's services send them: with Nagle's algorithm a
    // PUBACK or a short PUBLISH waits for the broker's delayed ACK (docs/reliability.md).
    client_.setNoDelay(true);
    return true;
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

namespace {

constexpr StatusPin kStatusPin{MH_STATUS_LED_GPIO, MH_STATUS_LED_ACTIVE_LOW};
constexpr uint16_t kWebPort = 80;  // announced over mDNS as _meterhub._tcp
constexpr char kUpdateUser[] = "admin";

// config.h and secrets.h: what the set-up page shows on first boot.
meterhub::DeviceSettings first_boot_settings(const meterhub::DeviceIdentity& identity, const char* mqtt_password,
                                             std::map<std::string, std::string> options) {
    meterhub::DeviceSettings s;
    s.wifi_ssid = MH_WIFI_SSID;
    s.wifi_password = MH_WIFI_PASSWORD;
    s.broker_host = MH_MQTT_HOST;
    s.broker_port = MH_MQTT_PORT;
    s.broker_password = mqtt_password;
    s.device = identity.device;
    s.update_password = MH_OTA_PASSWORD;
    s.options = std::move(options);
    return s;
}

// A fixed address as the page saved it (checked there); false leaves DHCP on.
bool apply_static_ip(const meterhub::DeviceSettings& s) {
    IPAddress ip, gateway, subnet, dns;
    if (!ip.fromString(s.ip.c_str()) || !gateway.fromString(s.gateway.c_str()) || !subnet.fromString(s.subnet.c_str()))
        return false;
    if (s.dns.empty() || !dns.fromString(s.dns.c_str())) dns = gateway;
    return WiFi.config(ip, gateway, subnet, dns);
}

}  // namespace

Board::Board(const meterhub::DeviceIdentity& identity, const char* mqtt_password,
             std::vector<meterhub::TopicKind> subscriptions, std::map<std::string, std::string> option_defaults,
             size_t outbox_capacity)
    : identity_(identity),
      settings_(first_boot_settings(identity, mqtt_password, std::move(option_defaults))),
      subscriptions_(std::move(subscriptions)),
      topics_(identity.prefix),
      outbox_(outbox_capacity),
      web_(kWebPort) {}

std::string Board::option(const char* key) const {
    for (const auto& spec : meterhub::role_options(identity_.role))
        if (std::string(spec.key) == key) return settings_.option(spec);
    return "";
}

long Board::option_number(const char* key) const { return std::strtol(option(key).c_str(), nullptr, 10); }

void Board::open_setup() {
    if (mqtt_) mqtt_->go_offline();  // a planned absence, not a failure
    run_setup(identity_.role, settings_, store_, web_, kStatusPin);
}

void Board::begin() {
    Serial.begin(115200);
    if (kStatusPin.gpio >= 0) pinMode(kStatusPin.gpio, OUTPUT);
    pinMode(MH_BOOT_GPIO, INPUT_PULLUP);
    // Not set up (first boot, or a set-up cut short): the page, filled in from config.h.
    if (!store_.begin() || !meterhub::load_settings(store_, identity_.role, &settings_)) open_setup();
    identity_.device = settings_.device;
    Serial.printf("meterhub %s device=%s\n", identity_.role.c_str(), identity_.device.c_str());
    auto mqtt = meterhub::device_mqtt_settings(identity_, settings_.broker_host, settings_.broker_port,
                                               settings_.broker_password, subscriptions_);
    mqtt.username = settings_.mqtt_user();
    mqtt.keep_alive_s = MH_MQTT_KEEP_ALIVE_S;
    mqtt_.reset(new meterhub::MqttClient(transport_, clock_, log_, mqtt, outbox_));

    const std::string hostname = identity_.device + "-" + identity_.role;
    WiFi.mode(WIFI_STA);
    WiFi.setHostname(hostname.c_str());
    if (settings_.static_ip && !apply_static_ip(settings_)) Serial.println("wifi: fixed address not taken; DHCP");
    WiFi.setAutoReconnect(true);  // the WiFi driver retries on its own; MQTT waits for it
    WiFi.begin(settings_.wifi_ssid.c_str(),
               settings_.wifi_password.empty() ? nullptr : settings_.wifi_password.c_str());
    configTime(0, 0, MH_NTP_SERVER);
    ArduinoOTA.setHostname(hostname.c_str());
    ArduinoOTA.setPassword(settings_.update_password.c_str());
    ArduinoOTA.onStart([this] { mqtt_->go_offline(); });
    web_.on("/update", HTTP_GET, [this] { serve_update_page(); });
    web_.on("/update", HTTP_POST, [this] { serve_update_page(); }, [this] { receive_update(); });
}

bool Board::network_up() const { return WiFi.status() == WL_CONNECTED; }

// Once WiFi is up: <device>-<role>.local, the _meterhub._tcp service Meterhub's health
// page lists, espota uploads and the web server.
void Board::start_network_services() {
    const std::string hostname = identity_.device + "-" + identity_.role;
    if (MDNS.begin(hostname.c_str())) {
        MDNS.addService("meterhub", "tcp", kWebPort);
        MDNS.addServiceTxt("meterhub", "tcp", "device", identity_.device.c_str());
        MDNS.addServiceTxt("meterhub", "tcp", "role", identity_.role.c_str());
        MDNS.addServiceTxt("meterhub", "tcp", "prefix", identity_.prefix.c_str());
    } else {
        Serial.println("mdns: did not start; reach the board by its address");
    }
    ArduinoOTA.begin();
    web_.begin();
    Serial.printf("online: http://%s.local/update, ", hostname.c_str());
    Serial.println(WiFi.localIP());
    services_started_ = true;
}

void Board::serve_update_page() {
    if (!web_.authenticate(kUpdateUser, settings_.update_password.c_str())) return web_.requestAuthentication();
    web_.send(200, "text/html", meterhub::update_page(identity_.role, identity_.device, update_result_).c_str());
    if (update_result_ == "updated; restarting") {
        delay(500);
        ESP.restart();
    }
}

// The upload arrives in pieces before the page handler runs; without the password
// nothing is written.
void Board::receive_update() {
    HTTPUpload& upload = web_.upload();
    if (upload.status == UPLOAD_FILE_START) {
        update_result_.clear();
        if (!web_.authenticate(kUpdateUser, settings_.update_password.c_str())) {
            update_result_ = "not authorised";
            return;
        }
        mqtt_->go_offline();
        if (!Update.begin(UPDATE_SIZE_UNKNOWN)) update_result_ = std::string("update failed: ") + Update.errorString();
    } else if (!update_result_.empty()) {
        return;  // refused or failed at an earlier piece
    } else if (upload.status == UPLOAD_FILE_WRITE) {
        if (Update.write(upload.buf, upload.currentSize) != upload.currentSize) {
            update_result_ = std::string("update failed: ") + Update.errorString();
            Update.abort();
        }
    } else if (upload.status == UPLOAD_FILE_END) {
        update_result_ = Update.end(true) ? "updated; restarting" : std::string("update failed: ") + Update.errorString();
    } else if (upload.status == UPLOAD_FILE_ABORTED) {
        Update.abort();
        update_result_ = "update aborted: the upload was cut off";
    }
}

void Board::loop() {
    const uint32_t now = ::millis();
    if (boot_.feed(digitalRead(MH_BOOT_GPIO) == LOW, now)) open_setup();
    if (network_up() && !services_started_) start_network_services();
    if (services_started_) {
        ArduinoOTA.handle();
        web_.handleClient();
    }
    mqtt_->loop(network_up());
    const wl_status_t wifi = WiFi.status();
    led_.show(meterhub::device_status(false, wifi == WL_CONNECTED, wifi == WL_NO_SSID_AVAIL || wifi == WL_CONNECT_FAILED,
                                      mqtt_->online(), storage_failed_),
              now);
    kStatusPin.show(led_, now);
}

}  // namespace board
