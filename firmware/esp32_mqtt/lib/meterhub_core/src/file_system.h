// The little a flash buffer needs of a file system. On the ESP32, LittleFS and the SD card
// are mounted in the VFS (/littlefs, /sd), so StdioFileSystem serves both there, and a
// directory on a PC; the host tests add an in-memory one that can fail on purpose.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace meterhub {

class FileSystem {
public:
    virtual ~FileSystem() = default;
    virtual long size(const std::string& path) = 0;  // -1: no such file
    virtual bool read(const std::string& path, size_t offset, uint8_t* buffer, size_t length) = 0;
    virtual bool append(const std::string& path, const uint8_t* data, size_t length) = 0;
    virtual bool rename(const std::string& from, const std::string& to) = 0;  // replaces `to`
    virtual bool remove(const std::string& path) = 0;
};

class StdioFileSystem : public FileSystem {
public:
    long size(const std::string& path) override;
    bool read(const std::string& path, size_t offset, uint8_t* buffer, size_t length) override;
    bool append(const std::string& path, const uint8_t* data, size_t length) override;
    bool rename(const std::string& from, const std::string& to) override;
    bool remove(const std::string& path) override;
};

}  // namespace meterhub
