#include "topics.h"

namespace meterhub {

namespace {

struct Row {
    TopicKind kind;
    const char* name;
    const char* suffix;
};

constexpr Row kRows[] = {
    {TopicKind::Availability, "availability", "availability"},
    {TopicKind::Frame, "frame", "frame"},
    {TopicKind::FrameRaw, "frame_raw", "frame/raw"},
    {TopicKind::Telegram, "telegram", "telegram"},
    {TopicKind::Reading, "reading", "reading"},
    {TopicKind::State, "state", "state"},
    {TopicKind::Rejected, "rejected", "rejected"},
    {TopicKind::Ocr, "ocr", "ocr"},
    {TopicKind::Capture, "capture", "cmd/capture"},
    {TopicKind::TokenSet, "token_set", "token/set"},
    {TopicKind::TokenState, "token_state", "token/state"},
    {TopicKind::KeypadCmd, "keypad_cmd", "keypad/cmd"},
    {TopicKind::KeypadAck, "keypad_ack", "keypad/ack"},
    {TopicKind::Alarm, "alarm", "alarm"},
};

const Row& row(TopicKind kind) {
    for (const auto& r : kRows)
        if (r.kind == kind) return r;
    return kRows[0];  // unreachable: every enumerator has a row
}

}  // namespace

const char* topic_kind_name(TopicKind kind) { return row(kind).name; }
const char* topic_suffix(TopicKind kind) { return row(kind).suffix; }

bool is_device_id(const std::string& device) {
    if (device.empty() || device.size() > 64) return false;
    for (char c : device)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

std::string Topics::device(TopicKind kind, const std::string& device_id) const {
    return prefix_ + "/" + device_id + "/" + topic_suffix(kind);
}

}  // namespace meterhub
