// Capped exponential backoff with jitter, so a house full of devices does not reconnect
// in lockstep after the broker restarts.
#pragma once
#include <cstdint>

namespace meterhub {

class Backoff {
public:
    Backoff(uint32_t initial_ms = 1000, uint32_t max_ms = 60000, uint8_t jitter_percent = 20);

    // The wait before the next attempt; `random` is any uniformly random 32-bit number
    // (esp_random() on the device, fixed values in tests).
    uint32_t next_delay_ms(uint32_t random);
    void reset() { attempts_ = 0; }
    uint32_t attempts() const { return attempts_; }

private:
    uint32_t initial_ms_, max_ms_;
    uint8_t jitter_percent_;
    uint32_t attempts_ = 0;
};

}  // namespace meterhub
