// Stub of the ESP32 core's mDNS responder.
#pragma once
#include <Arduino.h>

class MDNSResponder {
public:
    bool begin(const char* hostname);
    void end();
    bool addService(const char* service, const char* protocol, uint16_t port);
    bool addServiceTxt(const char* service, const char* protocol, const char* key, const char* value);
};
extern MDNSResponder MDNS;
