// Secrets. Copy to include/secrets.h (ignored by git) and fill in; never commit the copy.
#pragma once

#define MH_WIFI_SSID "your-network"
#define MH_WIFI_PASSWORD "your-wifi-password"

// Broker passwords, one per device id (mosquitto/make-passwords writes the broker side
// from DEVICE_PASSWORD_<ID>).
#define MH_ESP32CAM_MQTT_PASSWORD ""
#define MH_P1_MQTT_PASSWORD ""
#define MH_RS485_MQTT_PASSWORD ""
#define MH_KEYPAD_MQTT_PASSWORD ""

#define MH_OTA_PASSWORD "change-me"       // asked for by every over-the-air update
#define MH_UPLOAD_TOKEN ""                // Bearer token of the gateway's upload source, if used
