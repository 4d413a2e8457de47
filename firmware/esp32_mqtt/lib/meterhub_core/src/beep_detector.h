// Tells a prepaid meter's low-credit beeping from the other sounds a sound sensor hears.
//
// The meter warns with a steady series of equal short beeps at an even pace (PLN meters:
// "tit … tit … tit"); a click is too short, a voice or music too long or too irregular, a
// fan or a vacuum cleaner too long. A sensor's output chatters at the tone's frequency,
// so sound separated by less than `hold_ms` of quiet is one sound. Sampling may be
// irregular (the loop is held up by a camera shot): every sample carries its own time.
#pragma once
#include <cstdint>

namespace meterhub {

struct BeepPattern {
    uint32_t hold_ms = 30;       // quiet shorter than this is tone chatter within one sound
    uint32_t min_beep_ms = 40;   // shorter: a click, a knock or a stray blip, not counted
    uint32_t max_beep_ms = 700;  // longer: a word, music, a fan
    uint32_t min_gap_ms = 80;
    uint32_t max_gap_ms = 3000;  // a longer pause ends the series
    uint32_t jitter_ms = 25;     // every beep and gap within this of the series' first ones
    uint8_t min_beeps = 4;       // this many regular beeps in a row make the alarm
};

// A sound level from an ADC (sound module's analogue output or a microphone amplifier):
// loud when the sample is further than `threshold` from the quiet level `midpoint`.
inline bool adc_is_loud(int sample, int midpoint, int threshold) {
    const int swing = sample > midpoint ? sample - midpoint : midpoint - sample;
    return swing > threshold;
}

class BeepDetector {
public:
    explicit BeepDetector(BeepPattern pattern = {}) : pattern_(pattern) {}

    // One sample; true once per series, at the sample that completes its `min_beeps`-th
    // beep. A series that goes on reports nothing more until something breaks it.
    bool feed(bool loud, uint32_t now_ms);
    uint8_t beeps_in_series() const { return count_; }
    const BeepPattern& pattern() const { return pattern_; }

private:
    bool sound_ended(uint32_t start_ms, uint32_t end_ms);
    void start_series(uint32_t end_ms, uint32_t length_ms);
    bool near(uint32_t value, uint32_t reference) const;

    BeepPattern pattern_;
    bool in_sound_ = false;
    uint32_t sound_start_ms_ = 0;
    uint32_t last_loud_ms_ = 0;
    uint8_t count_ = 0;  // regular beeps in the current series
    uint32_t first_length_ms_ = 0;
    uint32_t first_gap_ms_ = 0;
    uint32_t last_end_ms_ = 0;
    bool reported_ = false;
};

}  // namespace meterhub
