#include "sound_alarm.h"

#include <cstdio>

#include "iso_time.h"
#include "json_out.h"

namespace meterhub {

namespace {
constexpr char kBeep[] = "beep";
}

std::string alarm_json(int64_t utc_seconds) {
    return JsonObjectWriter().string("kind", kBeep).string("ts", iso8601_utc(utc_seconds)).finish();
}

SoundAlarm::SoundAlarm(Outbox& outbox, Clock& clock, Log& log, SoundSettings settings)
    : outbox_(outbox), clock_(clock), log_(log), settings_(std::move(settings)), detector_(settings_.pattern) {}

void SoundAlarm::sample(bool loud) {
    const uint32_t now = clock_.millis();
    if (detector_.feed(loud, now)) heard(now);
}

void SoundAlarm::heard(uint32_t now_ms) {
    ++stats_.heard;
    const uint32_t cooldown_ms = settings_.cooldown_s * 1000u;
    if ((sent_once_ || pending_) && now_ms - last_sent_ms_ < cooldown_ms) {
        ++stats_.held_back;
        char line[96];
        std::snprintf(line, sizeof line, "sound: beeping heard, alarm held back (cooldown) remaining_s=%u",
                      static_cast<unsigned>((cooldown_ms - (now_ms - last_sent_ms_)) / 1000u));
        log_.line(line);
        return;
    }
    last_sent_ms_ = now_ms;
    if (is_plausible_utc(clock_.utc_seconds())) {
        send(now_ms);
    } else {
        pending_ = true;
        pending_ms_ = now_ms;
        log_.line("sound: beeping heard, alarm waits for the clock");
    }
}

void SoundAlarm::loop() {
    if (pending_ && is_plausible_utc(clock_.utc_seconds())) {
        pending_ = false;
        send(pending_ms_);
    }
}

void SoundAlarm::send(uint32_t heard_ms) {
    const int64_t ts = clock_.utc_seconds() - static_cast<int64_t>((clock_.millis() - heard_ms) / 1000u);
    outbox_.push(settings_.alarm_topic, alarm_json(ts));
    sent_once_ = true;
    ++stats_.sent;
    char line[96];
    std::snprintf(line, sizeof line, "sound: low-credit beeping heard, alarm sent beeps=%u",
                  static_cast<unsigned>(detector_.beeps_in_series()));
    log_.line(line);
}

}  // namespace meterhub
