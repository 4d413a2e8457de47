// The set-up page: the HTML form (filled in with what is saved, passwords never shown,
// every problem next to its field) and the submitted body it reads back.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "device_settings.h"

namespace meterhub {

// application/x-www-form-urlencoded → fields; false on a malformed escape or an oversized
// body (the page's own form is far below `max_bytes`).
bool parse_form(const std::string& body, std::map<std::string, std::string>* fields, size_t max_bytes = 4096);

std::string html_escape(const std::string& text);

// The page for `role`; `errors` from settings_from_form, `fields` what was submitted
// (shown again so nothing typed is lost; passwords excepted).
std::string settings_page(const std::string& role, const DeviceSettings& saved,
                          const std::map<std::string, std::string>& fields = {},
                          const std::vector<FieldError>& errors = {});

// The password-protected /update page: a firmware file to upload (multipart, as the ESP32's
// WebServer and Update library take it); `result` says how the last upload went.
std::string update_page(const std::string& role, const std::string& device, const std::string& result = "");

}  // namespace meterhub
