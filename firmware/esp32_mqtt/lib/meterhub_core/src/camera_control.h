// GET /control?var=<name>&val=<n> on the camera, as the stock CameraWebServer sketch
// answers it: setups that poll /capture also set the LED and exposure this way (the
// capture gateway's snapshot source does, before each shot).
#pragma once
#include <string>

namespace meterhub {

enum class CameraSetting { LedIntensity, FrameSize, Quality, Brightness, Contrast, Aec, AeLevel, AecValue, Agc, GainCeiling };

struct CameraControl {
    CameraSetting setting;
    int value;
};

// False with a reason ("val for quality must be 4..63") for an unknown name or a value
// out of the sensor's range.
bool parse_camera_control(const std::string& var, const std::string& val, CameraControl* out, std::string* error);

}  // namespace meterhub
