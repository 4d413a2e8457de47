#include "check.h"
#include "json_value.h"
#include "keypad.h"

using namespace meterhub;

namespace {

const testjson::Value& vectors() {
    static const testjson::Value v = testjson::load_vector("keypad.json");
    return v;
}

KeyMap layout() {
    KeyMap keys;
    std::string error;
    for (const auto& [key, pin] : vectors()["layout"].members) keys.add(key[0], static_cast<int>(pin.integer()), &error);
    return keys;
}

// Records every solenoid change and ack with the time it happened, and checks that no
// two solenoids are ever energised together.
class Recorder : public KeypadIo {
public:
    explicit Recorder(const KeyMap& keys) : keys_(keys) {}
    uint32_t now = 0;
    std::vector<std::string> events;
    int energised = 0;
    int max_energised = 0;

    void set_solenoid(int pin, bool on) override {
        energised += on ? 1 : -1;
        if (energised > max_energised) max_energised = energised;
        events.push_back(std::to_string(now) + " " + (on ? "on " : "off ") + key_of(pin));
    }
    void publish_ack(const std::string& json) override { events.push_back(std::to_string(now) + " ack " + json); }

private:
    std::string key_of(int pin) const {
        for (const auto& [k, p] : keys_.bindings())
            if (p == pin) return std::string(1, k);
        return "?";
    }
    const KeyMap& keys_;
};

}  // namespace

TEST(keypad_commands_are_read_as_the_vectors_say) {
    const KeyMap keys = layout();
    for (const auto& c : vectors()["commands"].items) {
        const std::string name = c["name"].str(), payload = c["payload"].str();
        KeypadCommand command;
        std::string error;
        const bool ok = parse_keypad_command(payload.data(), payload.size(), keys, &command, &error);
        if (c.has("firmware")) {
            const auto& want = c["firmware"];
            CHECK_EQ_IN(name, ok, true);
            CHECK_EQ_IN(name, error, std::string());
            CHECK_EQ_IN(name, command.id, want["id"].str());
            CHECK_EQ_IN(name, command.keys, want["keys"].str());
            CHECK_EQ_IN(name, static_cast<long long>(command.press_ms), want["press_ms"].integer());
            CHECK_EQ_IN(name, static_cast<long long>(command.gap_ms), want["gap_ms"].integer());
            CHECK_EQ_IN(name, command.has_seq, !want["seq"].is_null());
            if (command.has_seq) CHECK_EQ_IN(name, static_cast<long long>(command.seq), want["seq"].integer());
        } else {
            CHECK_EQ_IN(name, ok, false);
            CHECK_EQ_IN(name, error, c["error"].str());
            CHECK_EQ_IN(name, command.id, c["ack_id"].str());
        }
    }
}

TEST(keypad_sequences_follow_the_vector_timelines_one_key_at_a_time) {
    const KeyMap keys = layout();
    for (const auto& sequence : vectors()["sequences"].items) {
        const std::string name = sequence["name"].str();
        Recorder io(keys);
        KeypadSequencer sequencer(keys, io);
        const auto& steps = sequence["steps"].items;
        size_t next_step = 0;
        for (io.now = 0; io.now <= 3000; ++io.now) {  // the device loop, once a millisecond
            while (next_step < steps.size() && steps[next_step]["t"].integer() == io.now) {
                const auto& step = steps[next_step++];
                if (step.has("command")) {
                    const std::string& p = step["command"].str();
                    sequencer.on_command(p.data(), p.size(), io.now);
                } else if (step.has("connection_restored")) {
                    sequencer.on_connection_restored(io.now);
                } else {
                    sequencer.on_connection_lost(io.now);
                }
            }
            sequencer.tick(io.now);
        }
        std::vector<std::string> want;
        for (const auto& e : sequence["expect"].items)
            want.push_back(std::to_string(e[0].integer()) + " " + e[1].str() + " " + e[2].str());
        CHECK_EQ_IN(name, io.events.size(), want.size());
        for (size_t i = 0; i < io.events.size() && i < want.size(); ++i) CHECK_EQ_IN(name, io.events[i], want[i]);
        CHECK_EQ_IN(name, io.max_energised <= 1, true);
        CHECK_EQ_IN(name, io.energised, 0);
        CHECK_EQ_IN(name, sequencer.busy(), false);
    }
}

TEST(keypad_timing_survives_the_millisecond_counter_wrapping) {
    const KeyMap keys = layout();
    Recorder io(keys);
    KeypadSequencer sequencer(keys, io);
    const std::string p = R"({"id":"w","keys":"12","press_ms":100,"gap_ms":100})";
    uint32_t start = 0xFFFFFFFFu - 150;
    io.now = start;
    sequencer.on_command(p.data(), p.size(), io.now);
    for (uint32_t i = 0; i < 1000; ++i) {
        io.now = start + i;  // wraps past zero half-way through
        sequencer.tick(io.now);
    }
    CHECK(!sequencer.busy());
    CHECK_EQ(io.events.back().substr(io.events.back().find("ack")),
             std::string(R"(ack {"id":"w","state":"done","pressed":2,"error":null})"));
}

TEST(a_key_map_refuses_a_key_or_pin_twice) {
    KeyMap keys;
    std::string error;
    CHECK(keys.add('1', 5, &error));
    CHECK(!keys.add('1', 6, &error));
    CHECK_EQ(error, std::string("key '1' bound twice"));
    CHECK(!keys.add('2', 5, &error));
    CHECK_EQ(error, std::string("pin 5 bound to two keys"));
}
