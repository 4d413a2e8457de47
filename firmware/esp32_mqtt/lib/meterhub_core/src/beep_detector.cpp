#include "beep_detector.h"

namespace meterhub {

bool BeepDetector::feed(bool loud, uint32_t now_ms) {
    if (loud) {
        if (!in_sound_) {
            in_sound_ = true;
            sound_start_ms_ = now_ms;
        }
        last_loud_ms_ = now_ms;
        return false;
    }
    if (in_sound_ && now_ms - last_loud_ms_ >= pattern_.hold_ms) {
        in_sound_ = false;
        return sound_ended(sound_start_ms_, last_loud_ms_);
    }
    return false;
}

bool BeepDetector::near(uint32_t value, uint32_t reference) const {
    const uint32_t difference = value > reference ? value - reference : reference - value;
    return difference <= pattern_.jitter_ms;
}

void BeepDetector::start_series(uint32_t end_ms, uint32_t length_ms) {
    count_ = 1;
    first_length_ms_ = length_ms;
    first_gap_ms_ = 0;
    last_end_ms_ = end_ms;
    reported_ = false;
}

bool BeepDetector::sound_ended(uint32_t start_ms, uint32_t end_ms) {
    const uint32_t length = end_ms - start_ms;
    if (length < pattern_.min_beep_ms) return false;  // a click or a stray blip: neither beep nor break
    if (length > pattern_.max_beep_ms) {
        count_ = 0;  // a word or a fan: whatever series there was is broken
        reported_ = false;
        return false;
    }
    const uint32_t gap = start_ms - last_end_ms_;
    const bool follows = count_ > 0 && gap >= pattern_.min_gap_ms && gap <= pattern_.max_gap_ms &&
                         near(length, first_length_ms_) && (count_ == 1 || near(gap, first_gap_ms_));
    if (!follows) {
        start_series(end_ms, length);
    } else {
        if (count_ == 1) first_gap_ms_ = gap;
        if (count_ < 255) ++count_;
        last_end_ms_ = end_ms;
    }
    if (count_ >= pattern_.min_beeps && !reported_) {
        reported_ = true;
        return true;
    }
    return false;
}

}  // namespace meterhub
