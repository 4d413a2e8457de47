// Stub of the ESP32 core's Preferences (NVS key-value storage).
#pragma once
#include <Arduino.h>

class Preferences {
public:
    bool begin(const char* name, bool read_only = false, const char* partition = nullptr);
    void end();
    bool clear();
    bool isKey(const char* key);
    size_t putString(const char* key, const char* value);
    String getString(const char* key, const String& fallback = String());
};
