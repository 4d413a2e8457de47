// Messages kept in flash (LittleFS, or the SD card when fitted) while they cannot be sent,
// oldest first, surviving a power cut. One log file of records, each with its length and a
// CRC (a record torn by a power cut is found and cut off when the queue opens), and a
// small position file saying where the unsent part starts. When everything is sent both
// go; when the log would outgrow `max_bytes` the oldest unsent records make room.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "file_system.h"

namespace meterhub {

struct QueuedMessage {
    std::string topic;
    std::string payload;
};

class FlashQueue {
public:
    FlashQueue(FileSystem& fs, const std::string& directory, size_t max_bytes);

    bool push(const QueuedMessage& message);  // false: the file system refused the write
    bool empty() const { return count_ == 0; }
    size_t count() const { return count_; }
    std::vector<QueuedMessage> peek(size_t n);  // the oldest n, still queued
    void pop(size_t n);                         // the oldest n were sent
    uint32_t dropped() const { return dropped_; }  // oldest given up to make room
    uint32_t torn() const { return torn_; }        // cut off at open (power cut mid-write)

private:
    bool read_record(size_t offset, QueuedMessage* message, size_t* next);
    void open();
    bool save_position();
    bool compact();  // rewrites the log from the first unsent record on
    void drop_oldest();

    FileSystem& fs_;
    std::string log_path_, position_path_, scratch_path_;
    size_t max_bytes_;
    size_t position_ = 0;  // first unsent record
    size_t end_ = 0;       // end of the last whole record
    size_t count_ = 0;
    uint32_t dropped_ = 0;
    uint32_t torn_ = 0;
};

}  // namespace meterhub
