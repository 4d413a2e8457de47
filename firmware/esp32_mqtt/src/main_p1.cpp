// P1 role: the smart meter's P1 port on an inverted UART; CRC-checked telegrams on
// <prefix>/<dev>/telegram, raw, for the capture gateway to parse.
#include <Arduino.h>

#include "glue/board.h"
#include "glue/settings.h"
#include "role_p1.h"

namespace {

class P1Port : public meterhub::SerialPort {
public:
    void begin() {
        if (MH_P1_REQUEST_GPIO >= 0) {  // data request high: the meter sends every second
            pinMode(MH_P1_REQUEST_GPIO, OUTPUT);
            digitalWrite(MH_P1_REQUEST_GPIO, HIGH);
        }
        Serial2.setRxBufferSize(4096);  // a telegram keeps coming while WiFi reconnects
        Serial2.begin(MH_P1_BAUD, MH_P1_FRAMING, MH_P1_RX_GPIO, -1, MH_P1_INVERTED);
    }
    int read(uint8_t* buffer, size_t capacity) override {
        const int waiting = Serial2.available();
        if (waiting <= 0) return 0;
        const size_t n = static_cast<size_t>(waiting) < capacity ? static_cast<size_t>(waiting) : capacity;
        return static_cast<int>(Serial2.readBytes(buffer, n));
    }
    void write(const uint8_t*, size_t) override {}  // P1 is receive only
};

board::Board device({MH_TOPIC_PREFIX, MH_P1_DEVICE, "p1"}, MH_P1_MQTT_PASSWORD, {});
P1Port port;
meterhub::P1Bridge* bridge = nullptr;

}  // namespace

void setup() {
    device.begin();
    port.begin();
    bridge = new meterhub::P1Bridge(port, device.mqtt(), device.log(),
                                    device.topics().device(meterhub::TopicKind::Telegram, device.device()));
}

void loop() {
    device.loop();
    bridge->loop();
}
