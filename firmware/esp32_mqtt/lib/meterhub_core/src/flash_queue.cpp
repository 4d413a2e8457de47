#include "flash_queue.h"

#include "crc16_arc.h"

namespace meterhub {

namespace {

constexpr uint8_t kMagic = 0xA5;
constexpr size_t kHeader = 7;  // magic, length (4, LE), CRC-16 of the body (2, LE)
constexpr size_t kCopyChunk = 512;

void put_le(std::string& out, uint32_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>(value >> (8 * i) & 0xFF);
}

uint32_t get_le(const uint8_t* in, int bytes) {
    uint32_t value = 0;
    for (int i = 0; i < bytes; ++i) value |= static_cast<uint32_t>(in[i]) << (8 * i);
    return value;
}

std::string encode(const QueuedMessage& message) {
    std::string body;
    put_le(body, static_cast<uint32_t>(message.topic.size()), 2);
    body += message.topic;
    body += message.payload;
    std::string record(1, static_cast<char>(kMagic));
    put_le(record, static_cast<uint32_t>(body.size()), 4);
    put_le(record, crc16_arc(reinterpret_cast<const uint8_t*>(body.data()), body.size()), 2);
    return record + body;
}

}  // namespace

FlashQueue::FlashQueue(FileSystem& fs, const std::string& directory, size_t max_bytes)
    : fs_(fs),
      log_path_(directory + "/queue.log"),
      position_path_(directory + "/queue.pos"),
      scratch_path_(directory + "/queue.tmp"),
      max_bytes_(max_bytes) {
    open();
}

bool FlashQueue::read_record(size_t offset, QueuedMessage* message, size_t* next) {
    uint8_t header[kHeader];
    if (!fs_.read(log_path_, offset, header, kHeader) || header[0] != kMagic) return false;
    const uint32_t length = get_le(header + 1, 4);
    if (length < 2 || length > max_bytes_) return false;
    std::string body(length, '\0');
    if (!fs_.read(log_path_, offset + kHeader, reinterpret_cast<uint8_t*>(&body[0]), length)) return false;
    if (crc16_arc(reinterpret_cast<const uint8_t*>(body.data()), length) != get_le(header + 5, 2)) return false;
    const uint32_t topic_length = get_le(reinterpret_cast<const uint8_t*>(body.data()), 2);
    if (2 + topic_length > length) return false;
    if (message) {
        message->topic = body.substr(2, topic_length);
        message->payload = body.substr(2 + topic_length);
    }
    *next = offset + kHeader + length;
    return true;
}

void FlashQueue::open() {
    uint8_t saved[6];
    position_ = 0;
    if (fs_.size(position_path_) == 6 && fs_.read(position_path_, 0, saved, 6) &&
        crc16_arc(saved, 4) == get_le(saved + 4, 2))
        position_ = get_le(saved, 4);
    const long size = fs_.size(log_path_);
    if (size < 0 || static_cast<size_t>(size) < position_) position_ = 0;
    end_ = position_;
    count_ = 0;
    size_t next;
    while (size > 0 && end_ < static_cast<size_t>(size) && read_record(end_, nullptr, &next)) {
        end_ = next;
        ++count_;
    }
    if (size > 0 && end_ < static_cast<size_t>(size)) {
        ++torn_;  // whatever follows the last whole record is cut off
        compact();
    }
}

bool FlashQueue::save_position() {
    std::string saved;
    put_le(saved, static_cast<uint32_t>(position_), 4);
    put_le(saved, crc16_arc(reinterpret_cast<const uint8_t*>(saved.data()), 4), 2);
    fs_.remove(scratch_path_);
    return fs_.append(scratch_path_, reinterpret_cast<const uint8_t*>(saved.data()), saved.size()) &&
           fs_.rename(scratch_path_, position_path_);
}

bool FlashQueue::compact() {
    fs_.remove(scratch_path_);
    uint8_t chunk[kCopyChunk];
    for (size_t at = position_; at < end_;) {
        const size_t n = end_ - at < kCopyChunk ? end_ - at : kCopyChunk;
        if (!fs_.read(log_path_, at, chunk, n) || !fs_.append(scratch_path_, chunk, n)) return false;
        at += n;
    }
    if (end_ == position_) {
        fs_.remove(log_path_);
    } else if (!fs_.rename(scratch_path_, log_path_)) {
        return false;
    }
    end_ -= position_;
    position_ = 0;
    return save_position();
}

void FlashQueue::drop_oldest() {
    size_t next;
    if (count_ == 0 || !read_record(position_, nullptr, &next)) return;
    position_ = next;
    --count_;
    ++dropped_;
}

bool FlashQueue::push(const QueuedMessage& message) {
    const std::string record = encode(message);
    if (record.size() > max_bytes_) return false;
    if (end_ + record.size() > max_bytes_) {
        while (count_ > 0 && end_ - position_ + record.size() > max_bytes_) drop_oldest();
        if (!compact()) return false;
    }
    if (!fs_.append(log_path_, reinterpret_cast<const uint8_t*>(record.data()), record.size())) {
        open();  // a partial write is found and cut off again
        return false;
    }
    end_ += record.size();
    ++count_;
    return true;
}

std::vector<QueuedMessage> FlashQueue::peek(size_t n) {
    std::vector<QueuedMessage> out;
    size_t at = position_, next;
    for (size_t i = 0; i < n && i < count_; ++i) {
        QueuedMessage message;
        if (!read_record(at, &message, &next)) break;
        out.push_back(std::move(message));
        at = next;
    }
    return out;
}

void FlashQueue::pop(size_t n) {
    size_t next;
    for (size_t i = 0; i < n && count_ > 0 && read_record(position_, nullptr, &next); ++i) {
        position_ = next;
        --count_;
    }
    if (count_ == 0) {  // all sent: start the files over
        fs_.remove(log_path_);
        fs_.remove(position_path_);
        position_ = end_ = 0;
    } else {
        save_position();
    }
}

}  // namespace meterhub
