// ESP32-CAM role (AI-Thinker board): shoots on cmd/capture and on its own schedule, with
// the flash LED on GPIO4; publishes the JPEG on <prefix>/<dev>/frame/raw with its user
// properties, or POSTs it to the capture gateway (always, or when the broker cannot
// take it); serves GET /capture and /control (on the board's web server, port 80) for
// setups that poll the camera instead.
#include <Arduino.h>
#include <WebServer.h>
#include <WiFiClient.h>
#include <esp_arduino_version.h>
#include <esp_camera.h>

#include "camera_control.h"
#include "glue/board.h"
#include "glue/settings.h"
#include "glue/sound.h"
#include "http_upload.h"
#include "role_camera.h"

namespace {

constexpr int kFlashChannel = 7;  // LEDC channel 0 clocks the camera sensor

void flash(int duty) {
#if ESP_ARDUINO_VERSION_MAJOR >= 3
    ledcWrite(MH_FLASH_GPIO, duty);
#else
    ledcWrite(kFlashChannel, duty);
#endif
}

// AI-Thinker ESP32-CAM wiring of the OV2640.
bool start_camera() {
    camera_config_t config = {};
    config.pin_pwdn = 32;
    config.pin_reset = -1;
    config.pin_xclk = 0;
    config.pin_sccb_sda = 26;
    config.pin_sccb_scl = 27;
    config.pin_d7 = 35;
    config.pin_d6 = 34;
    config.pin_d5 = 39;
    config.pin_d4 = 36;
    config.pin_d3 = 21;
    config.pin_d2 = 19;
    config.pin_d1 = 18;
    config.pin_d0 = 5;
    config.pin_vsync = 25;
    config.pin_href = 23;
    config.pin_pclk = 22;
    config.xclk_freq_hz = 20000000;
    config.ledc_timer = LEDC_TIMER_0;
    config.ledc_channel = LEDC_CHANNEL_0;
    config.pixel_format = PIXFORMAT_JPEG;
    config.frame_size = MH_FRAME_SIZE;
    config.jpeg_quality = MH_JPEG_QUALITY;
    config.fb_count = 1;
    config.fb_location = CAMERA_FB_IN_PSRAM;
    config.grab_mode = CAMERA_GRAB_LATEST;
    return esp_camera_init(&config) == ESP_OK;
}

// One shot with the LED: the first frame after the LED goes on was exposed before it,
// so it is thrown away and the next one kept.
class FlashCamera : public meterhub::Camera {
public:
    int duty = MH_FLASH_DUTY;
    bool capture(const uint8_t** jpeg, size_t* length) override {
        flash(duty);
        delay(MH_FLASH_SETTLE_MS);
        if (camera_fb_t* stale = esp_camera_fb_get()) esp_camera_fb_return(stale);
        frame_ = esp_camera_fb_get();
        flash(0);
        if (!frame_) return false;
        *jpeg = frame_->buf;
        *length = frame_->len;
        return true;
    }
    void release() override {
        if (frame_) esp_camera_fb_return(frame_);
        frame_ = nullptr;
    }

private:
    camera_fb_t* frame_ = nullptr;
};

class WiFiPoster : public meterhub::HttpPoster {
public:
    int post(const char* host, uint16_t port, const std::string& head, const uint8_t* body, size_t length) override {
        WiFiClient client;
        if (!client.connect(host, port, 5000)) return -1;
        client.setTimeout(10);
        client.write(reinterpret_cast<const uint8_t*>(head.data()), head.size());
        for (size_t sent = 0; sent < length;) {
            const size_t n = client.write(body + sent, length - sent);
            if (n == 0) return -1;
            sent += n;
        }
        const String status = client.readStringUntil('\n');
        client.stop();
        return meterhub::parse_http_status_line(status.c_str());
    }
};

#ifndef MH_ESP32CAM_SOUND_GPIO
#define MH_ESP32CAM_SOUND_GPIO -1
#endif
board::Board device({MH_TOPIC_PREFIX, MH_ESP32CAM_DEVICE, "esp32cam"}, MH_ESP32CAM_MQTT_PASSWORD,
                    {meterhub::TopicKind::Capture},
                    {{"capture_s", std::to_string(MH_CAPTURE_INTERVAL_S)},
                     {"sound_gpio", std::to_string(MH_ESP32CAM_SOUND_GPIO)}});
FlashCamera camera;
WiFiPoster poster;
WebServer& snapshots = device.web();
meterhub::CameraRole* role = nullptr;

void serve_capture() {
    const uint8_t* jpeg = nullptr;
    size_t length = 0;
    if (!camera.capture(&jpeg, &length)) {
        snapshots.send(503, "text/plain", "camera gave no frame\n");
        return;
    }
    snapshots.sendHeader("Access-Control-Allow-Origin", "*");
    snapshots.setContentLength(length);
    snapshots.send(200, "image/jpeg", "");
    snapshots.sendContent(reinterpret_cast<const char*>(jpeg), length);
    camera.release();
}

void serve_control() {
    meterhub::CameraControl control;
    std::string error;
    if (!meterhub::parse_camera_control(snapshots.arg("var").c_str(), snapshots.arg("val").c_str(), &control, &error)) {
        snapshots.send(400, "text/plain", (error + "\n").c_str());
        return;
    }
    sensor_t* sensor = esp_camera_sensor_get();
    int result = 0;
    switch (control.setting) {
        case meterhub::CameraSetting::LedIntensity: camera.duty = control.value; break;
        case meterhub::CameraSetting::FrameSize: result = sensor->set_framesize(sensor, static_cast<framesize_t>(control.value)); break;
        case meterhub::CameraSetting::Quality: result = sensor->set_quality(sensor, control.value); break;
        case meterhub::CameraSetting::Brightness: result = sensor->set_brightness(sensor, control.value); break;
        case meterhub::CameraSetting::Contrast: result = sensor->set_contrast(sensor, control.value); break;
        case meterhub::CameraSetting::Aec: result = sensor->set_exposure_ctrl(sensor, control.value); break;
        case meterhub::CameraSetting::AeLevel: result = sensor->set_ae_level(sensor, control.value); break;
        case meterhub::CameraSetting::AecValue: result = sensor->set_aec_value(sensor, control.value); break;
        case meterhub::CameraSetting::Agc: result = sensor->set_gain_ctrl(sensor, control.value); break;
        case meterhub::CameraSetting::GainCeiling:
            result = sensor->set_gainceiling(sensor, static_cast<gainceiling_t>(control.value));
            break;
    }
    snapshots.send(result == 0 ? 200 : 500, "text/plain", result == 0 ? "ok\n" : "sensor refused\n");
}

}  // namespace

board::SoundInput sound(device);

void setup() {
    device.begin();
    sound.begin();
#if ESP_ARDUINO_VERSION_MAJOR >= 3
    ledcAttach(MH_FLASH_GPIO, 5000, 8);
#else
    ledcSetup(kFlashChannel, 5000, 8);
    ledcAttachPin(MH_FLASH_GPIO, kFlashChannel);
#endif
    flash(0);
    if (!start_camera()) Serial.println("camera: sensor did not start; check the ribbon cable");
    meterhub::CameraSettings settings;
    settings.device = device.device();
    settings.frame_topic = device.topics().device(meterhub::TopicKind::FrameRaw, device.device());
    settings.interval_s = static_cast<uint32_t>(device.option_number("capture_s"));
    settings.max_frame_bytes = MH_MAX_FRAME_BYTES;
    settings.upload_url = MH_UPLOAD_URL;
    settings.upload_token = MH_UPLOAD_TOKEN;
    settings.upload_always = MH_UPLOAD_ALWAYS;
    role = new meterhub::CameraRole(camera, device.mqtt(), poster, device.clock(), device.log(), settings);
    device.mqtt().on_message([](const meterhub::mqtt5::Publish& message) {
        role->on_capture_request(std::string(message.payload.begin(), message.payload.end()));
    });
    snapshots.on("/capture", HTTP_GET, serve_capture);
    snapshots.on("/control", HTTP_GET, serve_control);  // served once WiFi is up
}

void loop() {
    device.loop();
    role->loop();
    sound.loop();
}
