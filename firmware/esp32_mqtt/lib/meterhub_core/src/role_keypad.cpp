#include "role_keypad.h"

namespace meterhub {

KeypadRole::KeypadRole(const KeyMap& keys, DigitalOutputs& outputs, Outbox& outbox, Clock& clock,
                       std::string ack_topic, char clear_key)
    : outputs_(outputs),
      outbox_(outbox),
      clock_(clock),
      ack_topic_(std::move(ack_topic)),
      sequencer_(keys, *this, clear_key) {
    for (const auto& binding : keys.bindings()) outputs_.set(binding.second, false);
}

void KeypadRole::on_command(const std::string& payload) {
    sequencer_.on_command(payload.data(), payload.size(), clock_.millis());
}

void KeypadRole::on_connection(bool online) {
    if (online) {
        sequencer_.on_connection_restored(clock_.millis());
    } else {
        sequencer_.on_connection_lost(clock_.millis());
    }
}

}  // namespace meterhub
