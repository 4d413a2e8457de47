// The core's KeyValueStore on NVS through Preferences: where the set-up page's settings
// survive restarts and updates (not a reflash with erase).
#pragma once
#include <Preferences.h>

#include <string>

#include "device_settings.h"

namespace board {

class NvsStore : public meterhub::KeyValueStore {
public:
    bool begin() { return prefs_.begin("meterhub", false); }
    bool get(const char* key, std::string* value) override {
        if (!prefs_.isKey(key)) return false;
        *value = prefs_.getString(key).c_str();
        return true;
    }
    bool put(const char* key, const std::string& value) override {
        return prefs_.putString(key, value.c_str()) == value.size();
    }
    bool clear() override { return prefs_.clear(); }

private:
    Preferences prefs_;
};

}  // namespace board
