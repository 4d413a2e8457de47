// Stub of the ESP32 core's LittleFS: mounted into the VFS at base_path, as on the board.
#pragma once
#include <Arduino.h>

class LittleFSFS {
public:
    bool begin(bool format_on_fail = false, const char* base_path = "/littlefs", uint8_t max_open = 10,
               const char* label = "spiffs");
};
extern LittleFSFS LittleFS;
