// P1 role: the smart meter's P1 port on an inverted UART; CRC-checked telegrams on
// <prefix>/<dev>/telegram, raw, for the capture gateway to parse. What cannot be sent is
// kept on the SD card when one is fitted (the set-up page's p1_sd_cs), else in LittleFS.
#include <Arduino.h>
#include <LittleFS.h>
#include <SD.h>

#include <memory>

#include "glue/board.h"
#include "glue/settings.h"
#include "file_system.h"
#include "flash_queue.h"
#include "p1_backlog.h"
#include "role_p1.h"

// Defaults for a config.h written before the backlog existed.
#ifndef MH_P1_SD_CS_GPIO
#define MH_P1_SD_CS_GPIO -1
#endif
#ifndef MH_P1_BACKLOG_BYTES
#define MH_P1_BACKLOG_BYTES (1000 * 1000)
#endif
#ifndef MH_P1_KEEP_EVERY_S
#define MH_P1_KEEP_EVERY_S 30
#endif
#ifndef MH_P1_SD_POWER_GPIO
#define MH_P1_SD_POWER_GPIO -1
#endif

// The ESP32-C3 and -S2 have two UARTs (the first is the console): the meter gets the second.
#if defined(CONFIG_IDF_TARGET_ESP32C3) || defined(CONFIG_IDF_TARGET_ESP32S2)
#define MH_P1_SERIAL Serial1
#else
#define MH_P1_SERIAL Serial2
#endif

namespace {

class P1Port : public meterhub::SerialPort {
public:
    unsigned long baud = 115200;
    void begin() {
        if (MH_P1_REQUEST_GPIO >= 0) {  // data request high: the meter sends every second
            pinMode(MH_P1_REQUEST_GPIO, OUTPUT);
            digitalWrite(MH_P1_REQUEST_GPIO, HIGH);
        }
        MH_P1_SERIAL.setRxBufferSize(4096);  // a telegram keeps coming while WiFi reconnects
        // DSMR 2.2/3 talk 9600 7E1, DSMR 4/5 115200 8N1 (the set-up page's p1_baud).
        MH_P1_SERIAL.begin(baud, baud == 9600 ? SERIAL_7E1 : SERIAL_8N1, MH_P1_RX_GPIO, -1, MH_P1_INVERTED);
    }
    int read(uint8_t* buffer, size_t capacity) override {
        const int waiting = MH_P1_SERIAL.available();
        if (waiting <= 0) return 0;
        const size_t n = static_cast<size_t>(waiting) < capacity ? static_cast<size_t>(waiting) : capacity;
        return static_cast<int>(MH_P1_SERIAL.readBytes(buffer, n));
    }
    void write(const uint8_t*, size_t) override {}  // P1 is receive only
};

board::Board device({MH_TOPIC_PREFIX, MH_P1_DEVICE, "p1"}, MH_P1_MQTT_PASSWORD, {},
                    {{"p1_baud", std::to_string(MH_P1_BAUD)}, {"p1_sd_cs", std::to_string(MH_P1_SD_CS_GPIO)}});
P1Port port;
meterhub::P1Bridge* bridge = nullptr;
meterhub::StdioFileSystem files;  // LittleFS and SD are mounted in the VFS
std::unique_ptr<meterhub::FlashQueue> queue;
std::unique_ptr<meterhub::TelegramBacklog> backlog;

// Where the backlog lives: the SD card's mount point, LittleFS's, or null (none).
const char* mount_backlog() {
    const long sd_cs = device.option_number("p1_sd_cs");
    if (sd_cs >= 0) {
        if (MH_P1_SD_POWER_GPIO >= 0) {  // the TTGO T8 ESP32-S2 powers its card slot from a pin
            pinMode(MH_P1_SD_POWER_GPIO, OUTPUT);
            digitalWrite(MH_P1_SD_POWER_GPIO, HIGH);
        }
        if (SD.begin(static_cast<uint8_t>(sd_cs), SPI, 4000000, "/sd")) return "/sd";
        Serial.println("p1: no SD card; backlog in LittleFS");
    }
    if (LittleFS.begin(true, "/littlefs")) return "/littlefs";
    Serial.println("p1: LittleFS did not mount; telegrams that cannot be sent are lost");
    return nullptr;
}

}  // namespace

void setup() {
    device.begin();
    port.baud = static_cast<unsigned long>(device.option_number("p1_baud"));
    port.begin();
    if (const char* directory = mount_backlog()) {
        queue.reset(new meterhub::FlashQueue(files, directory, MH_P1_BACKLOG_BYTES));
        backlog.reset(new meterhub::TelegramBacklog(*queue, device.outbox(), device.log(), MH_P1_KEEP_EVERY_S));
        if (!queue->empty()) Serial.printf("p1: %u telegrams kept from before the restart\n", unsigned(queue->count()));
    } else {
        device.storage_failed();
    }
    bridge = new meterhub::P1Bridge(port, device.mqtt(), device.log(),
                                    device.topics().device(meterhub::TopicKind::Telegram, device.device()),
                                    backlog.get());
}

void loop() {
    device.loop();
    bridge->loop();
}
