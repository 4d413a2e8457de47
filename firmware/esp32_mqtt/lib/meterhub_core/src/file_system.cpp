#include "file_system.h"

#include <cstdio>

namespace meterhub {

long StdioFileSystem::size(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) return -1;
    long length = -1;
    if (std::fseek(file, 0, SEEK_END) == 0) length = std::ftell(file);
    std::fclose(file);
    return length;
}

bool StdioFileSystem::read(const std::string& path, size_t offset, uint8_t* buffer, size_t length) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) return false;
    const bool ok = std::fseek(file, static_cast<long>(offset), SEEK_SET) == 0 &&
                    std::fread(buffer, 1, length, file) == length;
    std::fclose(file);
    return ok;
}

bool StdioFileSystem::append(const std::string& path, const uint8_t* data, size_t length) {
    std::FILE* file = std::fopen(path.c_str(), "ab");
    if (!file) return false;
    const bool written = std::fwrite(data, 1, length, file) == length;
    return std::fclose(file) == 0 && written;
}

bool StdioFileSystem::rename(const std::string& from, const std::string& to) {
    std::remove(to.c_str());  // FAT (the SD card) does not rename over a file
    return std::rename(from.c_str(), to.c_str()) == 0;
}

bool StdioFileSystem::remove(const std::string& path) { return std::remove(path.c_str()) == 0 || size(path) < 0; }

}  // namespace meterhub
