// Stub of the ESP-IDF system header: the hardware random number generator.
#pragma once
#include <cstdint>
uint32_t esp_random();
