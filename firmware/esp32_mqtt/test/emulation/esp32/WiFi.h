// Stub of the ESP32 core's WiFi interface: station and access point.
#pragma once
#include <Arduino.h>

#include "IPAddress.h"
#include "WiFiClient.h"

typedef enum { WIFI_OFF = 0, WIFI_STA = 1, WIFI_AP = 2, WIFI_AP_STA = 3 } wifi_mode_t;
typedef enum { WL_IDLE_STATUS = 0, WL_NO_SSID_AVAIL = 1, WL_CONNECTED = 3, WL_CONNECT_FAILED = 4,
               WL_CONNECTION_LOST = 5, WL_DISCONNECTED = 6 } wl_status_t;

class WiFiClass {
public:
    bool mode(wifi_mode_t mode);
    bool setHostname(const char* name);
    bool setAutoReconnect(bool on);
    wl_status_t begin(const char* ssid, const char* password = nullptr);
    wl_status_t status();
    bool config(IPAddress local_ip, IPAddress gateway, IPAddress subnet, IPAddress dns1 = IPAddress(),
                IPAddress dns2 = IPAddress());
    bool disconnect(bool wifi_off = false, bool erase_ap = false);
    IPAddress localIP();
    bool softAP(const char* ssid, const char* passphrase = nullptr, int channel = 1, int ssid_hidden = 0,
                int max_connection = 4, bool ftm_responder = false);
    IPAddress softAPIP();
};
extern WiFiClass WiFi;
