// RS-485 role: a DL/T 645-1997 meter (Saiman CE-711) behind a MAX485, polled on its
// interval; readings on <prefix>/<dev>/reading.
#include <Arduino.h>

#include "glue/board.h"
#include "glue/settings.h"
#include "role_rs485.h"

namespace {

// MAX485 half duplex: DE/RE high to talk, low to listen. flush() returns once the last
// stop bit has left, so the line is released before the meter starts its answer.
class Max485 : public meterhub::SerialPort {
public:
    void begin() {
        pinMode(MH_RS485_DE_RE_GPIO, OUTPUT);
        digitalWrite(MH_RS485_DE_RE_GPIO, LOW);
        Serial2.begin(MH_RS485_BAUD, MH_RS485_FRAMING, MH_RS485_RX_GPIO, MH_RS485_TX_GPIO);
    }
    int read(uint8_t* buffer, size_t capacity) override {
        const int waiting = Serial2.available();
        if (waiting <= 0) return 0;
        const size_t n = static_cast<size_t>(waiting) < capacity ? static_cast<size_t>(waiting) : capacity;
        return static_cast<int>(Serial2.readBytes(buffer, n));
    }
    void write(const uint8_t* data, size_t length) override {
        digitalWrite(MH_RS485_DE_RE_GPIO, HIGH);
        Serial2.write(data, length);
        Serial2.flush();
        digitalWrite(MH_RS485_DE_RE_GPIO, LOW);
    }
};

board::Board device({MH_TOPIC_PREFIX, MH_RS485_DEVICE, "rs485"}, MH_RS485_MQTT_PASSWORD, {},
                    {{"rs485_addr", MH_RS485_ADDRESS}, {"rs485_phases", std::to_string(MH_RS485_PHASES)}});
Max485 line;
meterhub::Rs485Reader* reader = nullptr;

}  // namespace

void setup() {
    device.begin();
    line.begin();
    meterhub::Rs485Settings settings;
    settings.device = device.device();
    settings.reading_topic = device.topics().device(meterhub::TopicKind::Reading, device.device());
    settings.data_ids = meterhub::default_data_ids(static_cast<int>(device.option_number("rs485_phases")));
    settings.interval_ms = MH_RS485_INTERVAL_S * 1000u;
    std::string error;
    if (!meterhub::dlt645::parse_address(device.option("rs485_addr"), &settings.address, &error))
        Serial.printf("set-up: meter address: %s (polling by broadcast)\n", error.c_str());
    reader = new meterhub::Rs485Reader(line, device.clock(), device.log(), device.outbox(), settings);
    meterhub::link_meter_availability(*reader, device.mqtt(),
                                      device.topics().device(meterhub::TopicKind::Availability, device.device()));
}

void loop() {
    device.loop();
    reader->loop();
}
