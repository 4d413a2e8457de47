// Stub of the ESP32 core's SD (SPI) library: mounted into the VFS at mountpoint.
#pragma once
#include <Arduino.h>

#include "SPI.h"

class SDFS {
public:
    bool begin(uint8_t cs_pin = 5, SPIClass& spi = SPI, uint32_t frequency = 4000000, const char* mountpoint = "/sd",
               uint8_t max_files = 5, bool format_if_empty = false);
};
extern SDFS SD;
