// The beep detector on recorded-style sample streams: 1 ms samples of a digital sound
// module (output chattering at the tone's frequency, stray single-sample blips in the
// quiet) or of an ADC, and the sound alarm that publishes what it hears.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "beep_detector.h"
#include "check.h"
#include "fakes.h"
#include "sound_alarm.h"

using namespace meterhub;

namespace {

// A sensor's output, one sample a millisecond. Tone: the module's comparator follows the
// tone's peaks, so it drops out for a sample or two every few; quiet: now and then a blip.
struct Stream {
    std::vector<bool> samples;
    std::mt19937 rng;
    explicit Stream(uint32_t seed = 1) : rng(seed) {}
    uint32_t roll(uint32_t n) { return static_cast<uint32_t>(rng() % n); }
    Stream& tone(uint32_t ms) {
        for (uint32_t i = 0; i < ms; ++i) samples.push_back(i % 4 != 3 && roll(10) != 0);
        return *this;
    }
    Stream& quiet(uint32_t ms) {
        for (uint32_t i = 0; i < ms; ++i) samples.push_back(roll(500) == 0);
        return *this;
    }
    // The low-credit warning: equal beeps at an even pace.
    Stream& beeps(int count, uint32_t on_ms = 100, uint32_t off_ms = 900) {
        for (int i = 0; i < count; ++i) tone(on_ms).quiet(off_ms);
        return *this;
    }
    // Speech: syllables of 80-400 ms, pauses of 40-600 ms, now and then a word break.
    Stream& speech(uint32_t ms) {
        const size_t end = samples.size() + ms;
        while (samples.size() < end) tone(80 + roll(320)).quiet(40 + roll(roll(5) == 0 ? 1200 : 560));
        return *this;
    }
};

// The times (ms) at which the detector reported.
std::vector<uint32_t> detections(const Stream& stream, BeepPattern pattern = {}) {
    BeepDetector detector(pattern);
    std::vector<uint32_t> at;
    for (uint32_t t = 0; t < stream.samples.size(); ++t)
        if (detector.feed(stream.samples[t], t)) at.push_back(t);
    return at;
}

}  // namespace

TEST(beep_detector_hears_the_low_credit_series_once_at_its_fourth_beep) {
    Stream s;
    s.quiet(2000).beeps(12);
    const auto at = detections(s);
    CHECK_EQ(at.size(), 1u);
    // The fourth beep starts at 2000 + 3 * 1000 ms and is over 100 ms later (+ hold).
    if (!at.empty()) CHECK(at[0] > 5100 && at[0] < 5200);
}

TEST(beep_detector_takes_other_paces_and_lengths_of_beep) {
    for (const auto& [on, off] : std::vector<std::pair<uint32_t, uint32_t>>{{60, 140}, {200, 300}, {500, 2000}}) {
        Stream s(on);
        s.quiet(500).beeps(6, on, off);
        CHECK_EQ_IN(std::to_string(on) + "/" + std::to_string(off), detections(s).size(), 1u);
    }
}

TEST(beep_detector_ignores_clicks_and_knocks) {
    Stream single;
    single.quiet(1000).tone(8).quiet(3000);
    CHECK_EQ(detections(single).size(), 0u);
    Stream knocking;  // even knocks at a steady pace are too short to be beeps
    for (int i = 0; i < 10; ++i) knocking.tone(15).quiet(600);
    CHECK_EQ(detections(knocking).size(), 0u);
}

TEST(beep_detector_ignores_speech) {
    for (uint32_t seed = 1; seed <= 200; ++seed) {  // over three hours of talk
        Stream s(seed);
        s.speech(60000);
        CHECK_EQ_IN("seed " + std::to_string(seed), detections(s).size(), 0u);
    }
}

TEST(beep_detector_ignores_a_fan_and_a_single_beep) {
    Stream fan;
    fan.quiet(500).tone(20000).quiet(500);
    CHECK_EQ(detections(fan).size(), 0u);
    Stream one;  // a button's confirmation beep, or the meter accepting a key
    one.quiet(500).beeps(1).quiet(5000).beeps(1);
    CHECK_EQ(detections(one).size(), 0u);
}

TEST(beep_detector_wants_an_even_pace) {
    Stream s;  // beep lengths fine, but gaps all over the place
    const uint32_t gaps[] = {300, 900, 450, 1500, 200, 700, 1200, 350};
    for (uint32_t gap : gaps) s.tone(100).quiet(gap);
    CHECK_EQ(detections(s).size(), 0u);
}

TEST(beep_detector_hears_beeping_again_after_someone_spoke_over_it) {
    Stream s(7);
    s.beeps(3).speech(4000).quiet(4000).beeps(5);
    CHECK_EQ(detections(s).size(), 1u);  // the first 3 are not enough; the 5 after are
}

TEST(beep_detector_reports_each_series_once) {
    Stream s;
    s.beeps(8).quiet(10000).beeps(8);
    CHECK_EQ(detections(s).size(), 2u);
}

TEST(beep_detector_takes_samples_at_uneven_times) {
    // The loop is held up now and then (a camera shot): samples come every 1-20 ms.
    BeepDetector detector;
    std::mt19937 rng(3);
    int reports = 0;
    for (uint32_t t = 0; t < 12000; t += 1 + rng() % 20) {
        const bool on = t % 1000 < 150;
        reports += detector.feed(on, t);
    }
    CHECK_EQ(reports, 1);
}

TEST(adc_sound_level_beyond_the_threshold_is_loud) {
    // A 12-bit ADC on the module's analogue output: a 2.7 kHz tone around 1850, sampled
    // every millisecond, and a quiet line with a little noise.
    BeepDetector detector;
    std::mt19937 rng(5);
    int reports = 0;
    for (uint32_t t = 0; t < 8000; ++t) {
        const bool beeping = t % 800 < 120;
        const double tone = beeping ? 700.0 * std::sin(2 * M_PI * 2700.0 * t / 1000.0 + 0.3) : 0.0;
        const int sample = static_cast<int>(1850 + tone) + static_cast<int>(rng() % 41) - 20;
        reports += detector.feed(adc_is_loud(sample, 1850, 250), t);
    }
    CHECK_EQ(reports, 1);
    CHECK(!adc_is_loud(1850 + 250, 1850, 250));
    CHECK(adc_is_loud(1850 - 251, 1850, 250));
}

TEST(alarm_json_is_the_python_models_payload) {
    CHECK_EQ(alarm_json(1767323045), std::string(R"({"kind":"beep","ts":"2026-01-02T03:04:05Z"})"));
}

namespace {

struct SoundRig {
    fakes::Clock clock;
    fakes::Log log;
    Outbox outbox{8};
    SoundAlarm alarm;
    explicit SoundRig(uint32_t cooldown_s = 900) : alarm(outbox, clock, log, {"meterhub/pln/alarm", {}, cooldown_s}) {}
    void play(const Stream& stream) {
        for (bool loud : stream.samples) {
            alarm.sample(loud);
            alarm.loop();
            clock.advance(1);
        }
    }
    // Everything handed to the outbox since the last call, one message a line.
    std::string sent() {
        std::string out;
        uint16_t id = 0;
        while (OutboxEntry* e = outbox.next_unsent()) {
            CHECK_EQ(e->topic, std::string("meterhub/pln/alarm"));
            CHECK(!e->retain);
            out += e->payload + "\n";
            e->packet_id = ++id;
            outbox.acknowledge(id);
        }
        return out;
    }
};

}  // namespace

TEST(sound_alarm_sends_one_alarm_per_cooldown) {
    SoundRig rig(60);
    rig.clock.utc = 1767323000;
    Stream s;
    s.beeps(8).quiet(10000).beeps(8);  // two series within a minute: one alarm
    rig.play(s);
    CHECK_EQ(rig.sent(), alarm_json(1767323003) + "\n");
    CHECK_EQ(rig.alarm.stats().heard, 2u);
    CHECK_EQ(rig.alarm.stats().held_back, 1u);
    CHECK(rig.log.contains("sound: beeping heard, alarm held back (cooldown)"));
    Stream later;
    later.quiet(60000).beeps(5);  // after the cooldown: the next one
    rig.play(later);
    CHECK_EQ(rig.sent(), alarm_json(1767323089) + "\n");
    CHECK_EQ(rig.alarm.stats().sent, 2u);
}

TEST(sound_alarm_heard_before_the_clock_is_set_carries_the_time_it_was_heard) {
    SoundRig rig;
    Stream s;
    s.beeps(5);
    rig.play(s);  // ends 1.9 s after the alarm was heard (at ~3.1 s)
    CHECK(rig.sent().empty());
    CHECK(rig.log.contains("sound: beeping heard, alarm waits for the clock"));
    rig.clock.advance(20000);
    rig.clock.utc = 1767323045;  // SNTP answers 21.9 s after the beeping was heard
    rig.alarm.loop();
    CHECK_EQ(rig.sent(), alarm_json(1767323045 - 21) + "\n");
}
