// Keypad role: solenoids on the meter's keys, typed from keypad/cmd, acked on keypad/ack.
#include <Arduino.h>

#include "glue/board.h"
#include "glue/settings.h"
#include "glue/sound.h"
#include "role_keypad.h"

namespace {

class SolenoidPins : public meterhub::DigitalOutputs {
public:
    bool active_high = true;  // the set-up page's active_high
    void set(int pin, bool on) override { digitalWrite(pin, on == active_high ? HIGH : LOW); }
};

struct Binding {
    char key;
    int pin;
};
constexpr Binding kPins[] = MH_KEYPAD_PINS;

#ifndef MH_KEYPAD_SOUND_GPIO
#define MH_KEYPAD_SOUND_GPIO -1
#endif
board::Board device({MH_TOPIC_PREFIX, MH_KEYPAD_DEVICE, "keypad"}, MH_KEYPAD_MQTT_PASSWORD,
                    {meterhub::TopicKind::KeypadCmd},
                    {{"active_high", MH_KEYPAD_ACTIVE_HIGH ? "1" : "0"},
                     {"sound_gpio", std::to_string(MH_KEYPAD_SOUND_GPIO)}});
SolenoidPins solenoids;
meterhub::KeyMap keys;
meterhub::KeypadRole* keypad = nullptr;
board::SoundInput sound(device);

}  // namespace

void setup() {
    device.begin();
    sound.begin();
    solenoids.active_high = device.option("active_high") == "1";
    std::string error;
    for (const auto& binding : kPins) {
        if (!keys.add(binding.key, binding.pin, &error)) Serial.printf("config: MH_KEYPAD_PINS: %s\n", error.c_str());
        // Released before the pin becomes an output, so no solenoid twitches at boot.
        digitalWrite(binding.pin, solenoids.active_high ? LOW : HIGH);
        pinMode(binding.pin, OUTPUT);
    }
    keypad = new meterhub::KeypadRole(keys, solenoids, device.outbox(), device.clock(),
                                      device.topics().device(meterhub::TopicKind::KeypadAck, device.device()),
                                      MH_KEYPAD_CLEAR_KEY);
    device.mqtt().on_message([](const meterhub::mqtt5::Publish& message) {
        keypad->on_command(std::string(message.payload.begin(), message.payload.end()));
    });
    device.mqtt().on_state([](bool online) { keypad->on_connection(online); });
}

void loop() {
    device.loop();
    keypad->loop();
    sound.loop();
}
