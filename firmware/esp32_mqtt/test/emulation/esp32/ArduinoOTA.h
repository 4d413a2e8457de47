// Stub of the ESP32 core's ArduinoOTA (espota uploads).
#pragma once
#include <Arduino.h>

#include <functional>

class ArduinoOTAClass {
public:
    using Callback = std::function<void()>;
    ArduinoOTAClass& setHostname(const char* name);
    ArduinoOTAClass& setPassword(const char* password);
    ArduinoOTAClass& onStart(Callback callback);
    void begin();
    void handle();
};
extern ArduinoOTAClass ArduinoOTA;
