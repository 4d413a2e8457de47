// Set-up without reflashing: what a person enters on the board's set-up page (WiFi,
// optional static IP, broker, device id, role options), checked field by field and kept
// in a key-value store (NVS through Preferences on the ESP32). The form's wire format and
// HTML live in settings_form.h; the glue only serves them.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace meterhub {

// A role's own settings, as a table: the form shows them and checks them from it.
enum class OptionKind { Integer, Flag, Choice, Text };

struct OptionSpec {
    const char* key;     // form field and store key (at most 13 characters: NVS keys are 15)
    const char* label;
    OptionKind kind;
    long min = 0, max = 0;   // Integer: the range; Text: the longest length
    const char* choices = "";  // Choice: "115200|9600"
    const char* fallback = "";  // when never set
};

// Options per role; roles not listed have none.
const std::vector<OptionSpec>& role_options(const std::string& role);

struct DeviceSettings {
    std::string wifi_ssid;
    std::string wifi_password;  // empty: an open network
    bool static_ip = false;
    std::string ip, gateway, subnet, dns;  // dotted quads; dns empty: the gateway
    std::string broker_host;
    uint16_t broker_port = 1883;
    std::string broker_user;  // empty: the device id (the broker ACL grants topics by it)
    std::string broker_password;
    std::string device;
    std::string update_password;  // asked for by the board's /update page and its access point
    std::map<std::string, std::string> options;  // role option key -> value, as text

    bool complete() const { return !wifi_ssid.empty() && !broker_host.empty() && !device.empty(); }
    const std::string& mqtt_user() const { return broker_user.empty() ? device : broker_user; }
    std::string option(const OptionSpec& spec) const;
};

// Where settings are kept: NVS (Preferences) on the ESP32, a map in the tests.
class KeyValueStore {
public:
    virtual ~KeyValueStore() = default;
    virtual bool get(const char* key, std::string* value) = 0;  // false: never set
    virtual bool put(const char* key, const std::string& value) = 0;
    virtual bool clear() = 0;  // factory reset
};

bool load_settings(KeyValueStore& store, const std::string& role, DeviceSettings* settings);  // false: not set up
bool save_settings(KeyValueStore& store, const std::string& role, const DeviceSettings& settings);

struct FieldError {
    std::string field;
    std::string reason;
};

// Builds settings from the submitted form fields on top of the saved ones: an empty
// password field keeps the saved password (the page never shows it). Every problem is
// reported, each with its field, so the page can show them all at once.
std::vector<FieldError> settings_from_form(const std::map<std::string, std::string>& fields, const std::string& role,
                                           const DeviceSettings& saved, DeviceSettings* result);

bool is_ipv4(const std::string& text, uint32_t* address = nullptr);
bool is_host_name(const std::string& text);

}  // namespace meterhub
