// The `sound` input of the camera and keypad boards: a sound sensor in front of a prepaid
// meter, whose low-credit beeping becomes {"kind":"beep","ts"} on <prefix>/<dev>/alarm.
//
// Alarms go through the outbox (QoS 1, not retained): one heard while the broker is away
// arrives after the reconnect, with the time it was heard. After an alarm the meter keeps
// beeping for minutes; the next one goes out no sooner than `cooldown_s` later.
#pragma once
#include <cstdint>
#include <string>

#include "beep_detector.h"
#include "outbox.h"
#include "platform.h"

namespace meterhub {

struct SoundSettings {
    std::string alarm_topic;
    BeepPattern pattern;
    uint32_t cooldown_s = 900;
};

struct SoundStats {
    uint32_t heard = 0;      // beeping series recognised
    uint32_t sent = 0;       // alarms handed to the outbox
    uint32_t held_back = 0;  // heard within the cooldown
};

// The alarm message, byte for byte as services/core/messages.py Alarm.to_payload().
std::string alarm_json(int64_t utc_seconds);

class SoundAlarm {
public:
    SoundAlarm(Outbox& outbox, Clock& clock, Log& log, SoundSettings settings);

    // One reading of the sensor (true: sound over its threshold), as often as the loop runs.
    void sample(bool loud);
    // Sends an alarm heard before the clock was set, once it is (stamped back to when it was heard).
    void loop();
    const SoundStats& stats() const { return stats_; }

private:
    void heard(uint32_t now_ms);
    void send(uint32_t heard_ms);

    Outbox& outbox_;
    Clock& clock_;
    Log& log_;
    SoundSettings settings_;
    BeepDetector detector_;
    bool sent_once_ = false;
    uint32_t last_sent_ms_ = 0;
    bool pending_ = false;  // heard before SNTP answered
    uint32_t pending_ms_ = 0;
    SoundStats stats_;
};

}  // namespace meterhub
