// Stub of the ESP32 core's Update library (writes a firmware image to the other OTA slot).
#pragma once
#include <Arduino.h>

#define UPDATE_SIZE_UNKNOWN 0xFFFFFFFF

class UpdateClass {
public:
    bool begin(size_t size = UPDATE_SIZE_UNKNOWN);
    size_t write(uint8_t* data, size_t length);
    bool end(bool even_if_remaining = false);
    void abort();
    bool hasError();
    const char* errorString();
};
extern UpdateClass Update;
