#include "camera_control.h"
#include "check.h"

using namespace meterhub;

TEST(camera_controls_of_the_stock_sketch_are_read_with_their_ranges) {
    CameraControl control{};
    std::string error;
    CHECK(parse_camera_control("led_intensity", "255", &control, &error));
    CHECK(control.setting == CameraSetting::LedIntensity && control.value == 255);
    CHECK(parse_camera_control("ae_level", "-2", &control, &error));
    CHECK_EQ(control.value, -2);
    CHECK(!parse_camera_control("quality", "3", &control, &error));
    CHECK_EQ(error, std::string("val for quality must be 4..63"));
    CHECK(!parse_camera_control("framesize", "5x", &control, &error));
    CHECK(!parse_camera_control("framesize", "", &control, &error));
    CHECK(!parse_camera_control("xclk", "20", &control, &error));
    CHECK_EQ(error, std::string("unknown var 'xclk'"));
}
