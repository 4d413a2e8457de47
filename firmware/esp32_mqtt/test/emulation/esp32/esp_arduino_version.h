// Stub: the ESP32 Arduino core version the glue is compiled against here (3.x API).
#pragma once
#define ESP_ARDUINO_VERSION_MAJOR 3
#define ESP_ARDUINO_VERSION_MINOR 0
#define ESP_ARDUINO_VERSION_PATCH 0
