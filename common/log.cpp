#include "common/log.hpp"

#include <unistd.h>

#include <cstdio>

namespace aciswarm {

std::string_view log_level_name(LogLevel level) {
    switch (level) {
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warn:
            return "warning";
        case LogLevel::error:
            return "error";
        case LogLevel::off:
            return "off";
    }
    return "?";
}

Logger::Logger(std::string tag, LogLevel level) : Logger(std::move(tag), level, nullptr) {}

Logger::Logger(std::string tag, LogLevel level, Sink sink)
    : tag_(std::move(tag)), level_(level), sink_(std::move(sink)) {}

Logger::Sink Logger::swap_sink(Sink sink) {
    std::lock_guard lock(mutex_);
    std::swap(sink_, sink);
    return sink;
}

void Logger::set_level(LogLevel level) {
    std::lock_guard lock(mutex_);
    level_ = level;
}

LogLevel Logger::level() const {
    std::lock_guard lock(mutex_);
    return level_;
}

bool Logger::enabled(LogLevel level) const {
    return level != LogLevel::off && level >= this->level();
}

void Logger::write(LogLevel level, std::string_view message) {
    std::string line;
    line.reserve(tag_.size() + message.size() + 16);
    line.append(tag_).append(" ").append(log_level_name(level)).append(": ").append(message);
    std::lock_guard lock(mutex_);
    if (sink_) {
        sink_(level, line);
        return;
    }
    line.push_back('\n');
    // One write(2) per line keeps lines whole when several processes share stderr.
    std::size_t off = 0;
    while (off < line.size()) {
        const ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
    }
}

Logger& Logger::null() {
    // Immutable after construction (level off, no state changes), so sharing is safe.
    static Logger logger("", LogLevel::off, [](LogLevel, std::string_view) {});
    return logger;
}

}  // namespace aciswarm
