// The ESP32 Arduino core's additions to Arduino.h, on top of EpoxyDuino's: only what the
// glue in src/ uses, with the ESP32 core's signatures, so the glue compiles on a PC.
// Nothing here behaves like the hardware; these stubs exist to be compiled against.
#pragma once
#include_next <Arduino.h>

#include <cstdint>
#include <ctime>

#include "Stream.h"

#define SERIAL_8N1 0x800001c
#define SERIAL_7E1 0x8000018
#define SERIAL_8E1 0x800001e

class HardwareSerial : public Stream {
public:
    void begin(unsigned long baud, uint32_t config = SERIAL_8N1, int8_t rx = -1, int8_t tx = -1, bool invert = false);
    size_t setRxBufferSize(size_t size);
    int available() override;
    int read() override;
    int peek() override;
    void flush() override;
    size_t write(uint8_t byte) override;
    size_t write(const uint8_t* data, size_t length) override;
    using Print::write;
};
extern HardwareSerial Serial1;
extern HardwareSerial Serial2;

// LEDC (PWM): the 2.x API and the 3.x one (pin based).
double ledcSetup(uint8_t channel, double frequency, uint8_t resolution_bits);
void ledcAttachPin(uint8_t pin, uint8_t channel);
bool ledcAttach(uint8_t pin, uint32_t frequency, uint8_t resolution_bits);
void ledcWrite(uint8_t channel_or_pin, uint32_t duty);

void configTime(long gmt_offset_s, int daylight_offset_s, const char* server1, const char* server2 = nullptr,
                const char* server3 = nullptr);

// The chip: restart, and the factory MAC (unique per board) for names.
class EspClass {
public:
    void restart();
    uint64_t getEfuseMac();
};
extern EspClass ESP;
