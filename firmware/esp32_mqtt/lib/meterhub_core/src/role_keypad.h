// The keypad role: keypad/cmd -> solenoid presses -> keypad/ack, over the MQTT session.
#pragma once
#include <string>

#include "keypad.h"
#include "mqtt_client.h"
#include "outbox.h"
#include "platform.h"

namespace meterhub {

class KeypadRole : private KeypadIo {
public:
    // Acks go through the outbox: the "connection lost" error reaches the sender after
    // the reconnect instead of vanishing with the connection.
    // ``clear_key``: the meter's Backspace, pressed on reconnect once per key a lost
    // connection left on its display.
    KeypadRole(const KeyMap& keys, DigitalOutputs& outputs, Outbox& outbox, Clock& clock, std::string ack_topic,
               char clear_key = kDefaultClearKey);

    void on_command(const std::string& payload);
    void on_connection(bool online);
    void loop() { sequencer_.tick(clock_.millis()); }
    int energised_pin() const { return sequencer_.energised_pin(); }

private:
    void set_solenoid(int pin, bool energised) override { outputs_.set(pin, energised); }
    void publish_ack(const std::string& json) override { outbox_.push(ack_topic_, json); }

    DigitalOutputs& outputs_;
    Outbox& outbox_;
    Clock& clock_;
    std::string ack_topic_;
    KeypadSequencer sequencer_;
};

}  // namespace meterhub
