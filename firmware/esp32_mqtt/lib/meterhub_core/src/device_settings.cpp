#include "device_settings.h"

#include <cstdlib>

#include "topics.h"

namespace meterhub {

namespace {

// Store keys (NVS allows 15 characters); role options are "o_" + their key.
constexpr char kVersionKey[] = "v";
constexpr char kVersion[] = "1";
constexpr size_t kMaxOptionKey = 13;

const std::vector<OptionSpec> kNoOptions;
const std::map<std::string, std::vector<OptionSpec>> kRoleOptions = {
    {"esp32cam",
     {{"capture_s", "Own capture interval (s, 0: on request only)", OptionKind::Integer, 0, 86400, "", "0"},
      {"sound_gpio", "Sound sensor GPIO (-1: none)", OptionKind::Integer, -1, 39, "", "-1"}}},
    {"p1",
     {{"p1_baud", "P1 speed (DSMR 4/5: 115200, 2.2/3: 9600)", OptionKind::Choice, 0, 0, "115200|9600", "115200"},
      {"p1_sd_cs", "SD card chip select GPIO (-1: LittleFS)", OptionKind::Integer, -1, 48, "", "-1"}}},
    {"rs485",
     {{"rs485_addr", "Meter address (12 digits, A: any; empty: broadcast)", OptionKind::Text, 0, 12, "", ""},
      {"rs485_phases", "Phases", OptionKind::Choice, 0, 0, "1|3", "1"}}},
    {"keypad",
     {{"active_high", "Solenoid driver energises on HIGH", OptionKind::Flag, 0, 0, "", "1"},
      {"sound_gpio", "Sound sensor GPIO (-1: none)", OptionKind::Integer, -1, 39, "", "-1"}}},
};

struct TextField {
    const char* key;
    std::string DeviceSettings::*member;
};
constexpr TextField kTextFields[] = {
    {"ssid", &DeviceSettings::wifi_ssid},     {"wifi_pw", &DeviceSettings::wifi_password},
    {"ip", &DeviceSettings::ip},              {"gateway", &DeviceSettings::gateway},
    {"subnet", &DeviceSettings::subnet},      {"dns", &DeviceSettings::dns},
    {"mqtt_host", &DeviceSettings::broker_host}, {"mqtt_user", &DeviceSettings::broker_user},
    {"mqtt_pw", &DeviceSettings::broker_password}, {"device", &DeviceSettings::device},
    {"ota_pw", &DeviceSettings::update_password},
};

bool parse_long(const std::string& text, long* value) {
    if (text.empty() || text.size() > 11) return false;
    char* end = nullptr;
    *value = std::strtol(text.c_str(), &end, 10);
    return end && *end == '\0';
}

bool is_choice(const std::string& value, const std::string& choices) {
    size_t start = 0;
    while (start <= choices.size()) {
        const size_t bar = choices.find('|', start);
        const size_t end = bar == std::string::npos ? choices.size() : bar;
        if (choices.compare(start, end - start, value) == 0 && end - start == value.size()) return true;
        start = end + 1;
    }
    return false;
}

std::string check_option(const OptionSpec& spec, const std::string& value) {
    long number;
    switch (spec.kind) {
        case OptionKind::Integer:
            if (!parse_long(value, &number) || number < spec.min || number > spec.max)
                return "a whole number from " + std::to_string(spec.min) + " to " + std::to_string(spec.max);
            return "";
        case OptionKind::Flag:
            return value == "0" || value == "1" ? "" : "on or off";
        case OptionKind::Choice:
            return is_choice(value, spec.choices) ? "" : std::string("one of ") + spec.choices;
        case OptionKind::Text:
            if (static_cast<long>(value.size()) > spec.max)
                return "at most " + std::to_string(spec.max) + " characters";
            for (char c : value)
                if (c < 0x20 || c > 0x7E) return "printable ASCII only";
            return "";
    }
    return "unknown kind";
}

bool is_netmask(uint32_t mask) { return mask != 0 && ((~mask + 1) & ~mask) == 0; }

}  // namespace

const std::vector<OptionSpec>& role_options(const std::string& role) {
    const auto it = kRoleOptions.find(role);
    return it == kRoleOptions.end() ? kNoOptions : it->second;
}

std::string DeviceSettings::option(const OptionSpec& spec) const {
    const auto it = options.find(spec.key);
    return it == options.end() ? spec.fallback : it->second;
}

bool is_ipv4(const std::string& text, uint32_t* address) {
    uint32_t result = 0;
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
        size_t digits = 0;
        uint32_t part = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
            part = part * 10 + static_cast<uint32_t>(text[i++] - '0');
            ++digits;
        }
        if (digits == 0 || digits > 3 || part > 255 || (digits > 1 && text[i - digits] == '0')) return false;
        result = result << 8 | part;
        if (++parts < 4) {
            if (i >= text.size() || text[i] != '.') return false;
            ++i;
        }
    }
    if (i != text.size()) return false;
    if (address) *address = result;
    return true;
}

bool is_host_name(const std::string& text) {
    if (text.empty() || text.size() > 253) return false;
    size_t label = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.') {
            if (label == 0 || text[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok || (label == 0 && c == '-') || ++label > 63) return false;
    }
    return text.back() != '-' && text.back() != '.';
}

bool load_settings(KeyValueStore& store, const std::string& role, DeviceSettings* settings) {
    std::string version;
    if (!store.get(kVersionKey, &version) || version != kVersion) return false;
    DeviceSettings loaded;
    for (const auto& field : kTextFields) store.get(field.key, &(loaded.*field.member));
    std::string text;
    if (store.get("static", &text)) loaded.static_ip = text == "1";
    long port;
    if (store.get("mqtt_port", &text) && parse_long(text, &port) && port > 0 && port < 65536)
        loaded.broker_port = static_cast<uint16_t>(port);
    for (const auto& spec : role_options(role))
        if (store.get((std::string("o_") + spec.key).c_str(), &text) && check_option(spec, text).empty())
            loaded.options[spec.key] = text;
    *settings = loaded;
    return loaded.complete();
}

bool save_settings(KeyValueStore& store, const std::string& role, const DeviceSettings& settings) {
    bool ok = true;
    for (const auto& field : kTextFields) ok = store.put(field.key, settings.*field.member) && ok;
    ok = store.put("static", settings.static_ip ? "1" : "0") && ok;
    ok = store.put("mqtt_port", std::to_string(settings.broker_port)) && ok;
    for (const auto& spec : role_options(role)) {
        if (std::string(spec.key).size() > kMaxOptionKey) return false;
        ok = store.put((std::string("o_") + spec.key).c_str(), settings.option(spec)) && ok;
    }
    return ok && store.put(kVersionKey, kVersion);  // last: a half-written set-up is not taken
}

std::vector<FieldError> settings_from_form(const std::map<std::string, std::string>& fields, const std::string& role,
                                           const DeviceSettings& saved, DeviceSettings* result) {
    std::vector<FieldError> errors;
    const auto field = [&](const char* key) {
        const auto it = fields.find(key);
        return it == fields.end() ? std::string() : it->second;
    };
    DeviceSettings s = saved;
    s.wifi_ssid = field("ssid");
    if (s.wifi_ssid.empty() || s.wifi_ssid.size() > 32) errors.push_back({"ssid", "1 to 32 characters"});
    if (!field("wifi_pw").empty()) s.wifi_password = field("wifi_pw");
    if (!s.wifi_password.empty() && (s.wifi_password.size() < 8 || s.wifi_password.size() > 63))
        errors.push_back({"wifi_pw", "WPA2 passwords have 8 to 63 characters"});

    s.static_ip = field("static") == "on" || field("static") == "1";
    s.ip = field("ip"), s.gateway = field("gateway"), s.subnet = field("subnet"), s.dns = field("dns");
    if (s.static_ip) {
        uint32_t ip = 0, gateway = 0, mask = 0;
        const bool ip_ok = is_ipv4(s.ip, &ip);
        if (!ip_ok) errors.push_back({"ip", "an address such as 192.168.1.50"});
        if (!is_ipv4(s.subnet, &mask) || !is_netmask(mask)) errors.push_back({"subnet", "a mask such as 255.255.255.0"});
        if (!is_ipv4(s.gateway, &gateway)) errors.push_back({"gateway", "an address such as 192.168.1.1"});
        else if (ip_ok && is_netmask(mask) && (ip & mask) != (gateway & mask))
            errors.push_back({"gateway", "not in the same network as the address"});
        if (!s.dns.empty() && !is_ipv4(s.dns)) errors.push_back({"dns", "an address, or empty for the gateway"});
    }

    s.broker_host = field("mqtt_host");
    if (!is_host_name(s.broker_host) && !is_ipv4(s.broker_host))
        errors.push_back({"mqtt_host", "a host name or an address"});
    long port = 0;
    if (!parse_long(field("mqtt_port"), &port) || port < 1 || port > 65535)
        errors.push_back({"mqtt_port", "1 to 65535"});
    else
        s.broker_port = static_cast<uint16_t>(port);
    s.broker_user = field("mqtt_user");
    if (s.broker_user.size() > 64) errors.push_back({"mqtt_user", "at most 64 characters"});
    if (!field("mqtt_pw").empty()) s.broker_password = field("mqtt_pw");
    s.device = field("device");
    if (!is_device_id(s.device)) errors.push_back({"device", "lower-case letters, digits, _ and - (as in Meterhub's config)"});
    // Never empty: it guards firmware uploads, and is the access point's WPA2 key next time.
    if (!field("ota_pw").empty()) s.update_password = field("ota_pw");
    if (s.update_password.size() < 8 || s.update_password.size() > 63)
        errors.push_back({"ota_pw", "8 to 63 characters"});

    for (const auto& spec : role_options(role)) {
        std::string value = field(spec.key);
        if (spec.kind == OptionKind::Flag) value = value == "on" || value == "1" ? "1" : "0";
        const std::string problem = check_option(spec, value);
        if (problem.empty()) s.options[spec.key] = value;
        else errors.push_back({spec.key, problem});
    }
    if (errors.empty()) *result = s;
    return errors;
}

}  // namespace meterhub
