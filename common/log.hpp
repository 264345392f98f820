// A small leveled logger. Writes one line per message to a sink (stderr by
// default, which journald captures under systemd). Not a singleton: components
// take a Logger& so tests can capture or silence output.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>

namespace aciswarm {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

std::string_view log_level_name(LogLevel level);

class Logger {
  public:
    using Sink = std::function<void(LogLevel, std::string_view line)>;

    // Writes "aciswarm[tag] level: message" lines to stderr.
    explicit Logger(std::string tag, LogLevel level = LogLevel::info);
    // Writes to a caller-provided sink (tests).
    Logger(std::string tag, LogLevel level, Sink sink);

    // Replaces the sink (nullptr: stderr) and returns the previous one. A
    // terminal progress line routes log lines through itself this way, to
    // clear the line, print the message and redraw (agent/cli/progress_line).
    Sink swap_sink(Sink sink);

    void set_level(LogLevel level);
    LogLevel level() const;
    bool enabled(LogLevel level) const;

    void write(LogLevel level, std::string_view message);

    // log.info("fetched ", bytes, " bytes from ", url): parts are streamed only when enabled.
    template <class... Parts>
    void debug(const Parts&... parts) {
        log(LogLevel::debug, parts...);
    }
    template <class... Parts>
    void info(const Parts&... parts) {
        log(LogLevel::info, parts...);
    }
    template <class... Parts>
    void warn(const Parts&... parts) {
        log(LogLevel::warn, parts...);
    }
    template <class... Parts>
    void error(const Parts&... parts) {
        log(LogLevel::error, parts...);
    }

    // A logger that drops everything.
    static Logger& null();

  private:
    template <class... Parts>
    void log(LogLevel level, const Parts&... parts) {
        if (!enabled(level)) return;
        std::ostringstream out;
        (out << ... << parts);
        write(level, out.str());
    }

    std::string tag_;
    mutable std::mutex mutex_;
    LogLevel level_;
    Sink sink_;
};

}  // namespace aciswarm
