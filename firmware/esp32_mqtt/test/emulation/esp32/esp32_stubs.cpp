// Definitions of the stubs: they do nothing (no network, no camera, no file system), so
// the glue links into a program; the behaviour that matters is tested in the core.
#include <Arduino.h>
#include <ArduinoOTA.h>
#include <ESPmDNS.h>
#include <LittleFS.h>
#include <Preferences.h>
#include <SD.h>
#include <Update.h>
#include <WebServer.h>
#include <WiFi.h>
#include <esp_camera.h>
#include <esp_system.h>

HardwareSerial Serial1;
HardwareSerial Serial2;
void HardwareSerial::begin(unsigned long, uint32_t, int8_t, int8_t, bool) {}
size_t HardwareSerial::setRxBufferSize(size_t size) { return size; }
int HardwareSerial::available() { return 0; }
int HardwareSerial::read() { return -1; }
int HardwareSerial::peek() { return -1; }
void HardwareSerial::flush() {}
size_t HardwareSerial::write(uint8_t) { return 1; }
size_t HardwareSerial::write(const uint8_t*, size_t length) { return length; }

double ledcSetup(uint8_t, double frequency, uint8_t) { return frequency; }
void ledcAttachPin(uint8_t, uint8_t) {}
bool ledcAttach(uint8_t, uint32_t, uint8_t) { return true; }
void ledcWrite(uint8_t, uint32_t) {}
void configTime(long, int, const char*, const char*, const char*) {}
uint32_t esp_random() { return 4; }
EspClass ESP;
void EspClass::restart() {}
uint64_t EspClass::getEfuseMac() { return 0; }

int WiFiClient::connect(IPAddress, uint16_t) { return 0; }
int WiFiClient::connect(const char*, uint16_t) { return 0; }
int WiFiClient::connect(const char*, uint16_t, int32_t) { return 0; }
size_t WiFiClient::write(uint8_t) { return 0; }
size_t WiFiClient::write(const uint8_t*, size_t) { return 0; }
int WiFiClient::available() { return 0; }
int WiFiClient::read() { return -1; }
int WiFiClient::read(uint8_t*, size_t) { return -1; }
int WiFiClient::peek() { return -1; }
void WiFiClient::flush() {}
void WiFiClient::stop() {}
int WiFiClient::setNoDelay(bool) { return 0; }
uint8_t WiFiClient::connected() { return 0; }
WiFiClient::operator bool() { return false; }

WiFiClass WiFi;
bool WiFiClass::mode(wifi_mode_t) { return true; }
bool WiFiClass::setHostname(const char*) { return true; }
bool WiFiClass::setAutoReconnect(bool) { return true; }
wl_status_t WiFiClass::begin(const char*, const char*) { return WL_DISCONNECTED; }
wl_status_t WiFiClass::status() { return WL_DISCONNECTED; }
bool WiFiClass::config(IPAddress, IPAddress, IPAddress, IPAddress, IPAddress) { return true; }
bool WiFiClass::disconnect(bool, bool) { return true; }
IPAddress WiFiClass::localIP() { return IPAddress(); }
bool WiFiClass::softAP(const char*, const char*, int, int, int, bool) { return true; }
IPAddress WiFiClass::softAPIP() { return IPAddress(192, 168, 4, 1); }

WebServer::WebServer(int) {}
void WebServer::on(const char*, HTTPMethod, Handler) {}
void WebServer::on(const char*, HTTPMethod, Handler, Handler) {}
void WebServer::onNotFound(Handler) {}
void WebServer::begin() {}
void WebServer::stop() {}
void WebServer::handleClient() {}
bool WebServer::authenticate(const char*, const char*) { return false; }
void WebServer::requestAuthentication() {}
HTTPUpload& WebServer::upload() {
    static HTTPUpload none{};
    return none;
}
int WebServer::args() { return 0; }
String WebServer::argName(int) { return String(""); }
String WebServer::arg(int) { return String(""); }
String WebServer::arg(const char*) { return String(""); }
bool WebServer::hasArg(const char*) { return false; }
void WebServer::send(int, const char*, const String&) {}
void WebServer::sendHeader(const String&, const String&, bool) {}
void WebServer::setContentLength(size_t) {}
void WebServer::sendContent(const char*, size_t) {}

ArduinoOTAClass ArduinoOTA;
ArduinoOTAClass& ArduinoOTAClass::setHostname(const char*) { return *this; }
ArduinoOTAClass& ArduinoOTAClass::setPassword(const char*) { return *this; }
ArduinoOTAClass& ArduinoOTAClass::onStart(Callback) { return *this; }
void ArduinoOTAClass::begin() {}
void ArduinoOTAClass::handle() {}

LittleFSFS LittleFS;
bool LittleFSFS::begin(bool, const char*, uint8_t, const char*) { return false; }
SDFS SD;
bool SDFS::begin(uint8_t, SPIClass&, uint32_t, const char*, uint8_t, bool) { return false; }

esp_err_t esp_camera_init(const camera_config_t*) { return -1; }
camera_fb_t* esp_camera_fb_get() { return nullptr; }
void esp_camera_fb_return(camera_fb_t*) {}
sensor_t* esp_camera_sensor_get() { return nullptr; }

bool Preferences::begin(const char*, bool, const char*) { return true; }
void Preferences::end() {}
bool Preferences::clear() { return true; }
bool Preferences::isKey(const char*) { return false; }
size_t Preferences::putString(const char*, const char* value) { return strlen(value); }
String Preferences::getString(const char*, const String& fallback) { return fallback; }

MDNSResponder MDNS;
bool MDNSResponder::begin(const char*) { return true; }
void MDNSResponder::end() {}
bool MDNSResponder::addService(const char*, const char*, uint16_t) { return true; }
bool MDNSResponder::addServiceTxt(const char*, const char*, const char*, const char*) { return true; }

UpdateClass Update;
bool UpdateClass::begin(size_t) { return false; }
size_t UpdateClass::write(uint8_t*, size_t) { return 0; }
bool UpdateClass::end(bool) { return false; }
void UpdateClass::abort() {}
bool UpdateClass::hasError() { return true; }
const char* UpdateClass::errorString() { return "no flash in the emulation"; }
