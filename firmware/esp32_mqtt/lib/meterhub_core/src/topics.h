// Topic shapes of the bus contract, the same table as services/core/topics.py:
// <prefix>/<device>/<suffix>. Nothing on the device formats a topic elsewhere.
#pragma once
#include <string>

namespace meterhub {

enum class TopicKind {
    Availability,
    Frame,
    FrameRaw,  // a camera's own upload; the capture gateway checks it and forwards to Frame
    Telegram,
    Reading,
    State,
    Rejected,
    Ocr,
    Capture,
    TokenSet,
    TokenState,
    KeypadCmd,
    KeypadAck,
    Alarm,
};

// The Python table's key for a kind ("keypad_cmd"), for cross-checking the two tables.
const char* topic_kind_name(TopicKind kind);
const char* topic_suffix(TopicKind kind);

// Device ids are [a-z0-9_-]+, as the Python side and the broker ACL (user = device id) expect.
bool is_device_id(const std::string& device);

class Topics {
public:
    explicit Topics(std::string prefix = "meterhub") : prefix_(std::move(prefix)) {}
    std::string device(TopicKind kind, const std::string& device_id) const;

private:
    std::string prefix_;
};

constexpr TopicKind kAllTopicKinds[] = {
    TopicKind::Availability, TopicKind::Frame,    TopicKind::FrameRaw,  TopicKind::Telegram,   TopicKind::Reading,   TopicKind::State,
    TopicKind::Rejected,     TopicKind::Ocr,      TopicKind::Capture,    TopicKind::TokenSet,  TopicKind::TokenState,
    TopicKind::KeypadCmd,    TopicKind::KeypadAck, TopicKind::Alarm,
};

}  // namespace meterhub
