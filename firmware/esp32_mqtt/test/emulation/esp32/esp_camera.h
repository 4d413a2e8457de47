// Stub of the esp32-camera driver's API, as the ESP32-CAM glue uses it.
#pragma once
#include <cstddef>
#include <cstdint>

typedef int esp_err_t;
#define ESP_OK 0

typedef enum { PIXFORMAT_RGB565, PIXFORMAT_YUV422, PIXFORMAT_GRAYSCALE, PIXFORMAT_JPEG } pixformat_t;
typedef enum { FRAMESIZE_96X96, FRAMESIZE_QQVGA, FRAMESIZE_QCIF, FRAMESIZE_HQVGA, FRAMESIZE_240X240,
               FRAMESIZE_QVGA, FRAMESIZE_CIF, FRAMESIZE_HVGA, FRAMESIZE_VGA, FRAMESIZE_SVGA, FRAMESIZE_XGA,
               FRAMESIZE_HD, FRAMESIZE_SXGA, FRAMESIZE_UXGA } framesize_t;
typedef enum { GAINCEILING_2X, GAINCEILING_4X, GAINCEILING_8X, GAINCEILING_16X, GAINCEILING_32X,
               GAINCEILING_64X, GAINCEILING_128X } gainceiling_t;
typedef enum { CAMERA_GRAB_WHEN_EMPTY, CAMERA_GRAB_LATEST } camera_grab_mode_t;
typedef enum { CAMERA_FB_IN_PSRAM, CAMERA_FB_IN_DRAM } camera_fb_location_t;
typedef enum { LEDC_TIMER_0, LEDC_TIMER_1, LEDC_TIMER_2, LEDC_TIMER_3 } ledc_timer_t;
typedef enum { LEDC_CHANNEL_0, LEDC_CHANNEL_1, LEDC_CHANNEL_2, LEDC_CHANNEL_3, LEDC_CHANNEL_4, LEDC_CHANNEL_5,
               LEDC_CHANNEL_6, LEDC_CHANNEL_7 } ledc_channel_t;

typedef struct {
    int pin_pwdn, pin_reset, pin_xclk, pin_sccb_sda, pin_sccb_scl;
    int pin_d7, pin_d6, pin_d5, pin_d4, pin_d3, pin_d2, pin_d1, pin_d0;
    int pin_vsync, pin_href, pin_pclk;
    int xclk_freq_hz;
    ledc_timer_t ledc_timer;
    ledc_channel_t ledc_channel;
    pixformat_t pixel_format;
    framesize_t frame_size;
    int jpeg_quality;
    size_t fb_count;
    camera_fb_location_t fb_location;
    camera_grab_mode_t grab_mode;
} camera_config_t;

typedef struct {
    uint8_t* buf;
    size_t len;
    size_t width, height;
    pixformat_t format;
} camera_fb_t;

typedef struct _sensor sensor_t;
struct _sensor {
    int (*set_framesize)(sensor_t*, framesize_t);
    int (*set_quality)(sensor_t*, int);
    int (*set_brightness)(sensor_t*, int);
    int (*set_contrast)(sensor_t*, int);
    int (*set_exposure_ctrl)(sensor_t*, int);
    int (*set_ae_level)(sensor_t*, int);
    int (*set_aec_value)(sensor_t*, int);
    int (*set_gain_ctrl)(sensor_t*, int);
    int (*set_gainceiling)(sensor_t*, gainceiling_t);
};

esp_err_t esp_camera_init(const camera_config_t* config);
camera_fb_t* esp_camera_fb_get();
void esp_camera_fb_return(camera_fb_t* frame);
sensor_t* esp_camera_sensor_get();
