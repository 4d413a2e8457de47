#include "dsmr_framer.h"

#include <cstdio>

#include "crc16_arc.h"

namespace meterhub {

namespace {

int hex_value(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// '/' + three-letter manufacturer code + baud-rate digit, as the gateway requires.
bool has_identification(const std::string& text) {
    return text.size() >= 5 && is_alpha(text[1]) && is_alpha(text[2]) && is_alpha(text[3]) && text[4] >= '0' &&
           text[4] <= '9';
}

// The DSMR version line of 4+ (1-3:0.2.8) or the Belgian e-MUCS one (d-d:96.1.4).
bool has_version_line(const std::string& text) {
    for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
        const std::string line = text.substr(at + 1, 11);
        if (line.compare(0, 10, "1-3:0.2.8(") == 0) return true;
        if (line.size() == 11 && line[0] >= '0' && line[0] <= '9' && line[1] == '-' && line[2] >= '0' &&
            line[2] <= '9' && line.compare(3, 8, ":96.1.4(") == 0)
            return true;
    }
    return false;
}

std::string hex4(uint16_t value) {
    char text[8];
    std::snprintf(text, sizeof text, "%04X", value);
    return text;
}

}  // namespace

DsmrFramer::DsmrFramer(size_t max_bytes) : max_bytes_(max_bytes) { buffer_.reserve(1024); }

DsmrFramer::Event DsmrFramer::fail(std::string reason) {
    error_ = std::move(reason);
    state_ = State::Idle;
    buffer_.clear();
    return Event::Error;
}

DsmrFramer::Event DsmrFramer::complete() {
    state_ = State::Idle;
    if (!has_identification(buffer_)) return fail("not a DSMR telegram (no '/' identification line first)");
    if (said_crc_ != crc_)
        return fail("CRC mismatch (telegram says " + hex4(said_crc_) + ", computed " + hex4(crc_) + ")");
    return Event::Telegram;
}

DsmrFramer::Event DsmrFramer::complete_without_crc() {
    state_ = State::Idle;
    if (!has_identification(buffer_)) return fail("not a DSMR telegram (no '/' identification line first)");
    if (has_version_line(buffer_)) return fail("no CRC after '!' (found '', want 4 hex digits)");
    return Event::Telegram;
}

DsmrFramer::Event DsmrFramer::feed(uint8_t byte) {
    if (state_ == State::Idle) {
        if (byte != '/') return Event::None;  // line noise or the tail of a telegram we joined late
        buffer_.clear();
        error_.clear();
        crc_ = 0;
        said_crc_ = 0;
        crc_digits_ = 0;
        state_ = State::Body;
    } else if (byte == '/' && state_ == State::Body) {
        // The meter started over: the telegram in the buffer lost its end. Keep the new
        // start so the next telegram is not lost too.
        fail("truncated telegram (a new '/' came before '!')");
        buffer_.assign(1, '/');
        crc_ = crc16_arc(&byte, 1, 0);
        state_ = State::Body;
        return Event::Error;
    }
    if (byte >= 0x80) return fail("not a DSMR telegram (non-ASCII characters; is the RX line inverted?)");
    if (buffer_.size() >= max_bytes_) return fail("telegram exceeds " + std::to_string(max_bytes_) + " bytes");
    buffer_ += static_cast<char>(byte);

    switch (state_) {
        case State::Body:
            crc_ = crc16_arc(&byte, 1, crc_);
            if (byte == '!') state_ = State::Crc;
            return Event::None;
        case State::Crc: {
            if (crc_digits_ == 0 && byte == '\r') {  // "!" then the line end: a DSMR 2.2/3 telegram
                state_ = State::LegacyEnd;
                return Event::None;
            }
            int digit = hex_value(byte);
            if (digit < 0) {
                std::string found = buffer_.substr(buffer_.rfind('!') + 1);
                while (!found.empty() && (found.back() == '\r' || found.back() == '\n')) found.pop_back();
                return fail("no CRC after '!' (found '" + found + "', want 4 hex digits)");
            }
            said_crc_ = static_cast<uint16_t>((said_crc_ << 4) | digit);
            if (++crc_digits_ == 4) state_ = State::LineEnd;
            return Event::None;
        }
        case State::LineEnd:
            if (byte == '\r') return Event::None;
            if (byte == '\n') return complete();
            return fail("unexpected data after the CRC line");
        case State::LegacyEnd:
            if (byte == '\n') return complete_without_crc();
            return fail("no CRC after '!' (found '', want 4 hex digits)");
        case State::Idle:
            break;
    }
    return Event::None;
}

}  // namespace meterhub
