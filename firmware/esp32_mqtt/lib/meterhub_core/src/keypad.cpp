#include "keypad.h"

#include "json_in.h"
#include "json_out.h"

namespace meterhub {

namespace {

// Wrap-safe "a is at or after b" for millis() counters.
bool reached(uint32_t now, uint32_t deadline) { return static_cast<int32_t>(now - deadline) >= 0; }

bool refuse(std::string* error, std::string reason) {
    if (error) *error = std::move(reason);
    return false;
}

std::string quote_key(char key) {
    if (key >= 0x20 && key < 0x7F) return std::string("'") + key + "'";
    return "byte " + std::to_string(static_cast<unsigned char>(key));
}

}  // namespace

bool KeyMap::add(char key, int pin, std::string* error) {
    for (const auto& [k, p] : bindings_) {
        if (k == key) return refuse(error, "key " + quote_key(key) + " bound twice");
        if (p == pin) return refuse(error, "pin " + std::to_string(pin) + " bound to two keys");
    }
    bindings_.emplace_back(key, pin);
    return true;
}

int KeyMap::pin_for(char key) const {
    for (const auto& [k, p] : bindings_)
        if (k == key) return p;
    return -1;
}

bool parse_keypad_command(const char* payload, size_t length, const KeyMap& keys, KeypadCommand* out,
                          std::string* error) {
    *out = KeypadCommand{};
    FlatJsonObject object;
    std::string reason;
    if (!object.parse(payload, length, &reason)) {
        *error = "payload: " + reason;
        return false;
    }
    const JsonField* id = object.find("id");
    if (id && id->kind == JsonField::Kind::String && id->text.size() <= kMaxCommandId) out->id = id->text;
    for (const auto& field : object.fields()) {
        if (field.name != "id" && field.name != "keys" && field.name != "press_ms" && field.name != "gap_ms" &&
            field.name != "seq") {
            *error = field.name + ": Extra inputs are not permitted";
            return false;
        }
    }
    if (!id) return refuse(error, "id: Field required");
    if (id->kind != JsonField::Kind::String) return refuse(error, "id: Input should be a valid string");
    if (id->text.size() > kMaxCommandId) return refuse(error, "id: at most 64 characters");

    const JsonField* sequence = object.find("keys");
    if (!sequence) return refuse(error, "keys: Field required");
    if (sequence->kind != JsonField::Kind::String) return refuse(error, "keys: Input should be a valid string");
    if (sequence->text.empty() || sequence->text.size() > kMaxKeys)
        return refuse(error, "keys: must have 1 to 64 characters");
    for (char key : sequence->text) {
        if (keys.pin_for(key) < 0) return refuse(error, "keys: no solenoid for key " + quote_key(key));
    }
    out->keys = sequence->text;

    struct Timing {
        const char* name;
        long lo, hi;
        uint32_t* target;
    } timings[] = {{"press_ms", 10, 2000, &out->press_ms}, {"gap_ms", 10, 5000, &out->gap_ms}};
    for (const auto& t : timings) {
        const JsonField* field = object.find(t.name);
        if (!field) continue;
        long value;
        if (!json_integer_in_range(*field, t.lo, t.hi, &value)) {
            *error = std::string(t.name) + ": must be an integer from " + std::to_string(t.lo) + " to " +
                     std::to_string(t.hi);
            return false;
        }
        *t.target = static_cast<uint32_t>(value);
    }
    const JsonField* seq = object.find("seq");
    if (seq && seq->kind != JsonField::Kind::Null) {
        long value;
        if (!json_integer_in_range(*seq, 0, kMaxSeq, &value))
            return refuse(error, "seq: must be an integer from 0 to " + std::to_string(kMaxSeq));
        out->has_seq = true;
        out->seq = static_cast<uint32_t>(value);
    }
    return true;
}

std::string keypad_ack_json(const std::string& id, const char* state, size_t pressed, const std::string* error) {
    return JsonObjectWriter()
        .string("id", id)
        .string("state", state)
        .integer("pressed", static_cast<long long>(pressed))
        .optional_string("error", error)
        .finish();
}

void KeypadSequencer::release(uint32_t now_ms) {
    if (energised_pin_ < 0) return;
    io_.set_solenoid(energised_pin_, false);
    energised_pin_ = -1;
    released_once_ = true;
    last_release_ = now_ms;
}

void KeypadSequencer::finish(const char* state, const std::string* error) {
    last_final_ack_ = keypad_ack_json(command_.id, state, pressed_, error);
    typing_ = false;
    if (clear_left_ == 0) phase_ = Phase::Idle;  // otherwise the clearing goes on
    io_.publish_ack(last_final_ack_);
}

void KeypadSequencer::stop(const std::string& reason, uint32_t now_ms) {
    if (!typing_) return;
    if (clear_left_ == 0) release(now_ms);  // a clear press under way is not the command's
    finish("error", &reason);
}

void KeypadSequencer::wait_for_next_key(uint32_t now_ms) {
    phase_ = Phase::Waiting;
    phase_end_ = released_once_ ? last_release_ + command_.gap_ms : now_ms;
    if (reached(now_ms, phase_end_)) phase_end_ = now_ms;
}

void KeypadSequencer::on_command(const char* payload, size_t length, uint32_t now_ms) {
    KeypadCommand command;
    std::string error;
    const bool valid = parse_keypad_command(payload, length, keys_, &command, &error);
    // A repeat of the command in hand (a redelivery, or a sender that retried) is answered,
    // never typed a second time: a token entered twice is refused by the meter.
    if (valid && command.id == last_id_ && !last_id_.empty()) {
        if (!typing_) io_.publish_ack(last_final_ack_);
        return;
    }
    // A stale command must not stop the one in hand, nor be typed.
    if (valid && command.has_seq && has_last_seq_ && command.seq <= last_seq_) {
        const std::string stale = "seq: stale command (seq " + std::to_string(command.seq) +
                                  ", the keypad already took seq " + std::to_string(last_seq_) + ")";
        io_.publish_ack(keypad_ack_json(command.id, "error", 0, &stale));
        return;
    }
    stop(valid ? "superseded by command '" + command.id + "'" : "superseded by an invalid command", now_ms);
    if (!valid) {
        last_id_.clear();
        io_.publish_ack(keypad_ack_json(command.id, "error", 0, &error));
        return;
    }
    command_ = command;
    last_id_ = command.id;
    if (command.has_seq) {
        has_last_seq_ = true;
        last_seq_ = command.seq;
    }
    pressed_ = 0;
    typing_ = true;
    if (phase_ == Phase::Idle) wait_for_next_key(now_ms);  // else: after the clearing
    io_.publish_ack(keypad_ack_json(command_.id, "accepted", 0, nullptr));
}

void KeypadSequencer::on_connection_lost(uint32_t now_ms) {
    online_ = false;
    // Keys of the command already on the meter (one cut short counts): erased on reconnect.
    const bool command_keys = typing_ && clear_left_ == 0;
    const size_t typed = command_keys ? pressed_ + (energised_pin_ >= 0 ? 1 : 0) : 0;
    release(now_ms);
    stop("connection lost", now_ms);
    clear_left_ = keys_.pin_for(clear_key_) < 0 ? 0 : clear_left_ + typed;
    phase_ = Phase::Idle;
}

void KeypadSequencer::on_connection_restored(uint32_t now_ms) {
    online_ = true;
    if (clear_left_ > 0 && phase_ == Phase::Idle) wait_for_next_key(now_ms);
}

void KeypadSequencer::tick(uint32_t now_ms) {
    if (phase_ == Phase::Idle || !online_ || !reached(now_ms, phase_end_)) return;
    if (phase_ == Phase::Waiting) {
        energised_pin_ = keys_.pin_for(clear_left_ > 0 ? clear_key_ : command_.keys[pressed_]);
        io_.set_solenoid(energised_pin_, true);
        phase_ = Phase::Pressing;
        phase_end_ = now_ms + command_.press_ms;
        return;
    }
    release(now_ms);
    if (clear_left_ > 0) {  // clearing is the keypad's own business: no acks
        --clear_left_;
        phase_ = (clear_left_ > 0 || typing_) ? Phase::Waiting : Phase::Idle;
        phase_end_ = now_ms + command_.gap_ms;
        return;
    }
    ++pressed_;
    io_.publish_ack(keypad_ack_json(command_.id, "pressing", pressed_, nullptr));
    if (pressed_ == command_.keys.size()) {
        finish("done", nullptr);
        return;
    }
    phase_ = Phase::Waiting;
    phase_end_ = now_ms + command_.gap_ms;
}

}  // namespace meterhub
