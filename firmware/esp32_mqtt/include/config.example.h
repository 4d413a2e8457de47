// Board settings that are not secret. Copy to include/config.h (not committed) and edit.
// Secrets (WiFi and broker passwords) go in include/secrets.h. WiFi, broker, device id,
// the update password and the options marked "set-up page" only fill in the set-up page
// on first boot: what is saved there (NVS) is what the board uses.
#pragma once

// --- every role ---------------------------------------------------------------------
#define MH_TOPIC_PREFIX "meterhub"        // as `mqtt.prefix` in Meterhub's config
#define MH_MQTT_HOST "192.168.1.10"       // the broker Meterhub uses
#define MH_MQTT_PORT 1883
#define MH_MQTT_KEEP_ALIVE_S 30
#define MH_NTP_SERVER "pool.ntp.org"      // readings and frames are stamped in UTC

// Device ids ([a-z0-9_-]) as in Meterhub's config; each is also the broker user name.
// The camera and the keypad in front of one prepaid meter share its id.
#define MH_ESP32CAM_DEVICE "pln"
#define MH_P1_DEVICE "p1"
#define MH_RS485_DEVICE "ce711"
#define MH_KEYPAD_DEVICE "pln"

// --- esp32cam (AI-Thinker ESP32-CAM) ------------------------------------------------
#define MH_CAPTURE_INTERVAL_S 0           // own schedule, on full multiples; 0: only on cmd/capture
#define MH_FLASH_GPIO 4                   // the board's white LED
#define MH_FLASH_DUTY 255                 // 0..255; /control?var=led_intensity changes it
#define MH_FLASH_SETTLE_MS 150            // LED on this long before the shot, for exposure
#define MH_FRAME_SIZE FRAMESIZE_SVGA      // 800x600 is plenty for seven-segment digits
#define MH_JPEG_QUALITY 12                // 4..63, lower is better and larger
#define MH_MAX_FRAME_BYTES (200 * 1024)
#define MH_UPLOAD_URL ""                  // the gateway's upload URL, e.g. "http://192.168.1.10:8090/api/frames/pln"
#define MH_UPLOAD_ALWAYS false            // true: frames always by HTTP (gateway source "upload");
                                          // false: MQTT, HTTP only when the broker cannot take one
#define MH_ESP32CAM_SOUND_GPIO -1         // sound sensor's digital output (13 is free without the SD card); -1: none

// --- p1 -----------------------------------------------------------------------------
#define MH_P1_RX_GPIO 16                  // the P1 port's data line (pin 5 of the RJ12); TTGO T8 ESP32-C3: 2
#define MH_P1_REQUEST_GPIO -1             // drives the data request line (pin 2); -1: wired to 5 V; T8 C3: 8, T8 S2: 19
#define MH_P1_BAUD 115200                 // set-up page; DSMR 4/5 (8N1); DSMR 2.2/3: 9600 (7E1)
#define MH_P1_INVERTED true               // the meter's open-collector output inverts the signal
#define MH_P1_SD_CS_GPIO -1               // SD card's chip select (TTGO T8 boards: their slot); -1: LittleFS
#define MH_P1_SD_POWER_GPIO -1            // a pin that powers the card slot (TTGO T8 ESP32-S2: 14); -1: none
#define MH_P1_BACKLOG_BYTES (1000 * 1000) // flash for telegrams kept while offline (SD: e.g. 64 MB)
#define MH_P1_KEEP_EVERY_S 30             // while offline keep one telegram per this (< 60) and each quarter's first

// --- rs485 (MAX485) -----------------------------------------------------------------
#define MH_RS485_DE_RE_GPIO 4
#define MH_RS485_RX_GPIO 16               // RO
#define MH_RS485_TX_GPIO 17               // DI
#define MH_RS485_BAUD 2400
#define MH_RS485_FRAMING SERIAL_8E1       // DL/T 645: even parity
#define MH_RS485_ADDRESS ""               // as printed on the meter; "": broadcast (one meter on the line)
#define MH_RS485_PHASES 1                 // 1 or 3
#define MH_RS485_INTERVAL_S 30

// --- keypad -------------------------------------------------------------------------
// One GPIO per key, each driving a solenoid through a driver (ULN2803, MOSFET board).
// Symbols as token_entry's keypad layout: digits, B = Backspace, E = Enter.
#define MH_KEYPAD_ACTIVE_HIGH true        // the driver's input level that energises a solenoid
#define MH_KEYPAD_CLEAR_KEY 'B'           // pressed on reconnect to erase digits an outage left
#define MH_KEYPAD_PINS \
    {{'0', 13}, {'1', 14}, {'2', 16}, {'3', 17}, {'4', 18}, {'5', 19}, \
     {'6', 21}, {'7', 22}, {'8', 23}, {'9', 25}, {'B', 26}, {'E', 27}}
#define MH_KEYPAD_SOUND_GPIO -1           // sound sensor (34: input only, ADC1); -1: none

// --- sound input (camera and keypad): the meter's low-credit beeping -> <dev>/alarm ----
#define MH_SOUND_ACTIVE_HIGH false        // digital module: the D0 level while it hears sound (LM393 modules: LOW)
#define MH_SOUND_ADC_THRESHOLD 0          // > 0: read the pin as ADC (module's A0), loud beyond this from the midpoint
#define MH_SOUND_ADC_MIDPOINT 2048        // the ADC's reading in silence (12 bit)
#define MH_SOUND_COOLDOWN_S 900           // at most one alarm per this many seconds
#define MH_SOUND_MIN_BEEPS 4              // equal beeps at an even pace that make the alarm
