// The `sound` input of the camera and keypad boards: samples a sound sensor in front of
// the meter (a digital module on a GPIO, or its analogue output on an ADC pin with a
// threshold) into the core's SoundAlarm, which publishes <dev>/alarm. Sampled every loop;
// the core copes with the gaps a camera shot leaves.
#pragma once
#include <Arduino.h>

#include <memory>

#include "beep_detector.h"
#include "glue/board.h"
#include "glue/settings.h"
#include "sound_alarm.h"

// Defaults for a config.h written before the sound input existed.
#ifndef MH_SOUND_ACTIVE_HIGH
#define MH_SOUND_ACTIVE_HIGH false
#endif
#ifndef MH_SOUND_ADC_THRESHOLD
#define MH_SOUND_ADC_THRESHOLD 0
#endif
#ifndef MH_SOUND_ADC_MIDPOINT
#define MH_SOUND_ADC_MIDPOINT 2048
#endif
#ifndef MH_SOUND_COOLDOWN_S
#define MH_SOUND_COOLDOWN_S 900
#endif
#ifndef MH_SOUND_MIN_BEEPS
#define MH_SOUND_MIN_BEEPS 4
#endif

namespace board {

class SoundInput {
public:
    explicit SoundInput(Board& device) : device_(device) {}

    // The GPIO is the role's sound_gpio option (set-up page); < 0: no sensor, nothing happens.
    void begin() {
        gpio_ = static_cast<int>(device_.option_number("sound_gpio"));
        if (gpio_ < 0) return;
        pinMode(gpio_, INPUT);
        meterhub::SoundSettings settings;
        settings.alarm_topic = device_.topics().device(meterhub::TopicKind::Alarm, device_.device());
        settings.cooldown_s = MH_SOUND_COOLDOWN_S;
        settings.pattern.min_beeps = MH_SOUND_MIN_BEEPS;
        alarm_.reset(new meterhub::SoundAlarm(device_.outbox(), device_.clock(), device_.log(), settings));
    }

    void loop() {
        if (!alarm_) return;
        alarm_->sample(MH_SOUND_ADC_THRESHOLD > 0
                           ? meterhub::adc_is_loud(analogRead(gpio_), MH_SOUND_ADC_MIDPOINT, MH_SOUND_ADC_THRESHOLD)
                           : (digitalRead(gpio_) == HIGH) == MH_SOUND_ACTIVE_HIGH);
        alarm_->loop();
    }

private:
    Board& device_;
    int gpio_ = -1;
    std::unique_ptr<meterhub::SoundAlarm> alarm_;
};

}  // namespace board
