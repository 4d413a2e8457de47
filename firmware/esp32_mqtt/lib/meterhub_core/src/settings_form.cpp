#include "settings_form.h"

namespace meterhub {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool decode(const std::string& in, std::string* out) {
    out->clear();
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            *out += ' ';
        } else if (in[i] == '%') {
            if (i + 2 >= in.size()) return false;
            const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            *out += static_cast<char>(hi << 4 | lo);
            i += 2;
        } else {
            *out += in[i];
        }
    }
    return true;
}

enum class Input { Text, Password, Number, Checkbox };

struct Field {
    const char* key;
    const char* label;
    Input input;
};

// The common part of the form, in the order shown.
constexpr Field kFields[] = {
    {"ssid", "WiFi network", Input::Text},
    {"wifi_pw", "WiFi password (empty: keep the saved one)", Input::Password},
    {"static", "Fixed address (no DHCP)", Input::Checkbox},
    {"ip", "Address", Input::Text},
    {"subnet", "Subnet mask", Input::Text},
    {"gateway", "Gateway", Input::Text},
    {"dns", "DNS server (empty: the gateway)", Input::Text},
    {"mqtt_host", "Broker host", Input::Text},
    {"mqtt_port", "Broker port", Input::Number},
    {"mqtt_user", "Broker user (empty: the device id)", Input::Text},
    {"mqtt_pw", "Broker password (empty: keep the saved one)", Input::Password},
    {"device", "Device id (as in Meterhub's config)", Input::Text},
    {"ota_pw", "Update password, for /update and this set-up network (empty: keep the saved one)", Input::Password},
};

std::string saved_value(const DeviceSettings& s, const std::string& key) {
    if (key == "ssid") return s.wifi_ssid;
    if (key == "static") return s.static_ip ? "1" : "";
    if (key == "ip") return s.ip;
    if (key == "subnet") return s.subnet;
    if (key == "gateway") return s.gateway;
    if (key == "dns") return s.dns;
    if (key == "mqtt_host") return s.broker_host;
    if (key == "mqtt_port") return std::to_string(s.broker_port);
    if (key == "mqtt_user") return s.broker_user;
    if (key == "device") return s.device;
    return "";
}

void row(std::string& page, const std::string& key, const std::string& label, Input input, std::string value,
         const std::vector<FieldError>& errors) {
    static const char* const kTypes[] = {"text", "password", "number", "checkbox"};
    page += "<label>" + html_escape(label) + " <input name=\"" + key + "\" type=\"" +
            kTypes[static_cast<int>(input)] + "\"";
    if (input == Input::Checkbox) {
        if (value == "1" || value == "on") page += " checked";
    } else if (input != Input::Password) {
        page += " value=\"" + html_escape(value) + "\"";
    }
    page += "></label>";
    for (const auto& error : errors)
        if (error.field == key) page += "<p class=\"error\">" + html_escape(error.reason) + "</p>";
    page += "\n";
}

}  // namespace

bool parse_form(const std::string& body, std::map<std::string, std::string>* fields, size_t max_bytes) {
    fields->clear();
    if (body.size() > max_bytes) return false;
    size_t start = 0;
    while (start < body.size()) {
        size_t end = body.find('&', start);
        if (end == std::string::npos) end = body.size();
        const std::string pair = body.substr(start, end - start);
        start = end + 1;
        if (pair.empty()) continue;
        const size_t equals = pair.find('=');
        std::string key, value;
        if (!decode(pair.substr(0, equals), &key)) return false;
        if (equals != std::string::npos && !decode(pair.substr(equals + 1), &value)) return false;
        (*fields)[key] = value;
    }
    return true;
}

std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string settings_page(const std::string& role, const DeviceSettings& saved,
                          const std::map<std::string, std::string>& fields, const std::vector<FieldError>& errors) {
    const bool submitted = !fields.empty();
    const auto shown = [&](const std::string& key, const std::string& fallback) {
        if (!submitted) return fallback;
        const auto it = fields.find(key);
        return it == fields.end() ? std::string() : it->second;
    };
    std::string page =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width\"><title>Meterhub set-up</title></head><body>\n<h1>Meterhub " +
        html_escape(role) + " set-up</h1>\n";
    if (!errors.empty()) page += "<p class=\"error\">Not saved: please correct the fields marked below.</p>\n";
    page += "<form method=\"post\" action=\"/setup\">\n";
    for (const auto& f : kFields) row(page, f.key, f.label, f.input, shown(f.key, saved_value(saved, f.key)), errors);
    for (const auto& spec : role_options(role)) {
        const Input input = spec.kind == OptionKind::Flag      ? Input::Checkbox
                            : spec.kind == OptionKind::Integer ? Input::Number
                                                               : Input::Text;
        row(page, spec.key, spec.label, input, shown(spec.key, saved.option(spec)), errors);
    }
    page += "<button type=\"submit\">Save and restart</button>\n</form></body></html>\n";
    return page;
}

std::string update_page(const std::string& role, const std::string& device, const std::string& result) {
    std::string page =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width\"><title>Meterhub update</title></head><body>\n<h1>" +
        html_escape(device) + "-" + html_escape(role) + ": firmware update</h1>\n";
    if (!result.empty()) page += "<p>" + html_escape(result) + "</p>\n";
    page +=
        "<form method=\"post\" action=\"/update\" enctype=\"multipart/form-data\">\n"
        "<label>Firmware (.bin from <code>pio run -e " +
        html_escape(role) +
        "</code>) <input name=\"firmware\" type=\"file\" accept=\".bin\"></label>\n"
        "<button type=\"submit\">Update and restart</button>\n</form></body></html>\n";
    return page;
}

}  // namespace meterhub
