#include "backoff.h"

namespace meterhub {

Backoff::Backoff(uint32_t initial_ms, uint32_t max_ms, uint8_t jitter_percent)
    : initial_ms_(initial_ms ? initial_ms : 1),
      max_ms_(max_ms < initial_ms_ ? initial_ms_ : max_ms),
      jitter_percent_(jitter_percent > 100 ? 100 : jitter_percent) {}

uint32_t Backoff::next_delay_ms(uint32_t random) {
    uint64_t base = initial_ms_;
    for (uint32_t i = 0; i < attempts_ && base < max_ms_; ++i) base *= 2;
    if (base > max_ms_) base = max_ms_;
    ++attempts_;
    // Jitter spreads the wait over [base - j, base + j] and never past the cap.
    const uint64_t spread = base * jitter_percent_ / 100;
    uint64_t delay = base - spread + (spread ? random % (2 * spread + 1) : 0);
    if (delay > max_ms_) delay = max_ms_;
    return static_cast<uint32_t>(delay);
}

}  // namespace meterhub
