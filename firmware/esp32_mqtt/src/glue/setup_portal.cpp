#include "setup_portal.h"

#include <WiFi.h>

#include <cstdio>
#include <map>

#include "settings_form.h"

namespace board {

std::string setup_network_name(const std::string& role) {
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "-%04x", static_cast<unsigned>(ESP.getEfuseMac() >> 32) & 0xFFFFu);
    return "meterhub-" + role + suffix;
}

void StatusPin::show(const meterhub::StatusLed& led, uint32_t now_ms) const {
    if (gpio >= 0) digitalWrite(gpio, led.lit(now_ms) != active_low ? HIGH : LOW);
}

void run_setup(const std::string& role, const meterhub::DeviceSettings& saved, meterhub::KeyValueStore& store,
               WebServer& web, const StatusPin& pin) {
    WiFi.disconnect();
    WiFi.mode(WIFI_AP);
    const std::string name = setup_network_name(role);
    // Open on first boot (nothing to protect yet); afterwards the update password guards it.
    const char* key = saved.update_password.empty() ? nullptr : saved.update_password.c_str();
    WiFi.softAP(name.c_str(), key);
    Serial.printf("set-up: join WiFi '%s'%s, open http://", name.c_str(), key ? " (update password)" : "");
    Serial.println(WiFi.softAPIP());

    bool restart = false;
    web.on("/", HTTP_GET, [&] { web.send(200, "text/html", meterhub::settings_page(role, saved).c_str()); });
    web.on("/setup", HTTP_POST, [&] {
        std::map<std::string, std::string> fields;  // WebServer has decoded the urlencoded body
        for (int i = 0; i < web.args(); ++i) fields[web.argName(i).c_str()] = web.arg(i).c_str();
        meterhub::DeviceSettings settings;
        const auto errors = meterhub::settings_from_form(fields, role, saved, &settings);
        if (!errors.empty()) {
            web.send(400, "text/html", meterhub::settings_page(role, saved, fields, errors).c_str());
        } else if (!meterhub::save_settings(store, role, settings)) {
            web.send(500, "text/plain", "the settings could not be written to flash; nothing changed\n");
        } else {
            web.send(200, "text/plain", "saved; the board restarts and joins your network\n");
            restart = true;
        }
    });
    // Phones probe a fixed URL to detect a portal; any other path leads to the page.
    web.onNotFound([&] {
        web.sendHeader("Location", "/");
        web.send(302);
    });
    web.stop();  // it may already be serving /update on the home network
    web.begin();

    meterhub::StatusLed led;
    for (;;) {
        const uint32_t now = millis();
        web.handleClient();
        led.show(meterhub::DeviceStatus::SetUp, now);
        pin.show(led, now);
        if (restart) {
            delay(500);  // the answer leaves before the radio goes down
            ESP.restart();
        }
        delay(2);
    }
}

}  // namespace board
