// The keypad driver: types a key sequence on the meter's keypad with one solenoid per key.
//
// Commands arrive on keypad/cmd ({"id", "keys", "press_ms", "gap_ms"}), acks leave on
// keypad/ack ({"id", "state", "pressed", "error"}), both as in services/core/messages.py:
// "accepted" when taken, "pressing" after each key with the count so far, then "done",
// or "error" with the count pressed before it stopped (as the simulated keypad does).
// Rules a meter keypad needs:
//  - one solenoid at a time: two keys held together is a different (or no) key press;
//  - a key is pressed no sooner than gap_ms after the previous release, whichever
//    command that release belonged to, so a plunger is back up before the next one goes;
//  - a new command, or a lost bus connection, stops the sequence at once: a token typed
//    half by an old command and half by a new one would be garbage to the meter;
//  - digits a lost connection left on the meter's display are erased on reconnect (the
//    clear key pressed once per key typed) before anything else is typed, so the next
//    token is not typed after them;
//  - a command whose "seq" is not above the last one taken is stale (it waited out an
//    outage somewhere while its attempt ended): refused, and the command in hand goes on.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace meterhub {

class KeyMap {
public:
    bool add(char key, int pin, std::string* error);
    int pin_for(char key) const;  // -1 when the key has no solenoid
    const std::vector<std::pair<char, int>>& bindings() const { return bindings_; }

private:
    std::vector<std::pair<char, int>> bindings_;
};

struct KeypadCommand {
    std::string id;
    std::string keys;
    uint32_t press_ms = 65;
    uint32_t gap_ms = 500;
    bool has_seq = false;  // "seq" absent or null: no staleness check
    uint32_t seq = 0;
};

// The meter's Backspace, as token_entry's default keypad layout names it.
constexpr char kDefaultClearKey = 'B';
constexpr long kMaxSeq = 2147483647L;

// The limits of KeypadCommand in messages.py, plus: every key must have a solenoid, and
// the id is at most 64 characters (the device keeps it in RAM).
constexpr size_t kMaxKeys = 64;
constexpr size_t kMaxCommandId = 64;

// False with a reason in pydantic's "field: message" style. `out->id` is filled whenever
// it could be read, so even a refusal can be acked under the sender's id.
bool parse_keypad_command(const char* payload, size_t length, const KeyMap& keys, KeypadCommand* out,
                          std::string* error);

std::string keypad_ack_json(const std::string& id, const char* state, size_t pressed, const std::string* error);

class KeypadIo {
public:
    virtual ~KeypadIo() = default;
    virtual void set_solenoid(int pin, bool energised) = 0;
    virtual void publish_ack(const std::string& json) = 0;
};

class KeypadSequencer {
public:
    KeypadSequencer(const KeyMap& keys, KeypadIo& io, char clear_key = kDefaultClearKey)
        : keys_(keys), io_(io), clear_key_(clear_key) {}

    void on_command(const char* payload, size_t length, uint32_t now_ms);
    void on_connection_lost(uint32_t now_ms);
    void on_connection_restored(uint32_t now_ms);
    void tick(uint32_t now_ms);

    bool busy() const { return phase_ != Phase::Idle; }
    int energised_pin() const { return energised_pin_; }
    size_t clears_owed() const { return clear_left_; }

private:
    enum class Phase { Idle, Waiting, Pressing };
    void stop(const std::string& reason, uint32_t now_ms);
    void release(uint32_t now_ms);
    void finish(const char* state, const std::string* error);
    void wait_for_next_key(uint32_t now_ms);

    const KeyMap& keys_;
    KeypadIo& io_;
    Phase phase_ = Phase::Idle;
    KeypadCommand command_;
    size_t pressed_ = 0;        // keys fully pressed and released
    uint32_t phase_end_ = 0;    // Waiting: earliest next press; Pressing: release time
    int energised_pin_ = -1;
    bool released_once_ = false;
    uint32_t last_release_ = 0;
    std::string last_id_;       // the most recent command, to answer a repeat without retyping
    std::string last_final_ack_;
    char clear_key_;
    bool typing_ = false;       // a command is in hand (taken, not finished)
    size_t clear_left_ = 0;     // clear presses owed before anything else is typed
    bool online_ = true;
    bool has_last_seq_ = false;
    uint32_t last_seq_ = 0;     // the "seq" of the last command taken
};

}  // namespace meterhub
