#include "camera_control.h"

#include <cstdlib>

namespace meterhub {

namespace {

struct Row {
    const char* name;
    CameraSetting setting;
    int lo, hi;
};

// Ranges of the OV2640 as the esp32-camera driver takes them.
constexpr Row kRows[] = {
    {"led_intensity", CameraSetting::LedIntensity, 0, 255},
    {"framesize", CameraSetting::FrameSize, 0, 13},  // QQVGA .. UXGA
    {"quality", CameraSetting::Quality, 4, 63},      // lower is better and larger
    {"brightness", CameraSetting::Brightness, -2, 2},
    {"contrast", CameraSetting::Contrast, -2, 2},
    {"aec", CameraSetting::Aec, 0, 1},
    {"ae_level", CameraSetting::AeLevel, -2, 2},
    {"aec_value", CameraSetting::AecValue, 0, 1200},
    {"agc", CameraSetting::Agc, 0, 1},
    {"gainceiling", CameraSetting::GainCeiling, 0, 6},
};

}  // namespace

bool parse_camera_control(const std::string& var, const std::string& val, CameraControl* out, std::string* error) {
    for (const auto& row : kRows) {
        if (var != row.name) continue;
        char* end = nullptr;
        const long value = std::strtol(val.c_str(), &end, 10);
        if (val.empty() || *end != '\0' || value < row.lo || value > row.hi) {
            *error = "val for " + var + " must be " + std::to_string(row.lo) + ".." + std::to_string(row.hi);
            return false;
        }
        *out = CameraControl{row.setting, static_cast<int>(value)};
        return true;
    }
    *error = "unknown var '" + var + "'";
    return false;
}

}  // namespace meterhub
