// The fetch's progress line on a terminal: one line, redrawn in place ("\r",
// text, clear to end of line), never longer than the terminal is wide (so it
// never wraps), with log lines printed above it (clear, print, redraw). On a
// stderr that is not a terminal there is no progress line.
//
// It shows the phase, bytes done of total, a moving-average rate (over the
// last 5 s, so it is not 0 while data arrives), and where the bytes came
// from: the registry's everseed, other agents, the web seed (docs/fetch.md).
//
// Threads: update() and finish() on the fetch's thread; log lines arrive on
// any thread (the engine's alert thread) through the logger's sink. A mutex
// orders them.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "agent/fetch/fetcher.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"

namespace aciswarm::agent {

// "1.5 MiB" (common/units format_size; a negative count shows as 0 B)
std::string progress_bytes(std::int64_t n);

// The progress text for p at rate bytes/s, at most max_columns characters:
// the parts that do not fit are left out, least important first (peers, then
// sources, then rate); the first part alone is cut. Pure.
std::string render_progress(const fetch::FetchProgress& p, std::int64_t rate,
                            std::size_t max_columns);

// Bytes per second over a sliding window of samples of a growing counter.
class MovingRate {
  public:
    explicit MovingRate(std::chrono::milliseconds window = std::chrono::seconds(5))
        : window_(window) {}
    void add(Clock::SteadyTime now, std::int64_t total);
    std::int64_t rate() const;  // 0 until two samples span ≥ 200 ms
    void reset() { samples_.clear(); }

  private:
    std::chrono::milliseconds window_;
    std::deque<std::pair<Clock::SteadyTime, std::int64_t>> samples_;
};

// The terminal's width in columns (TIOCGWINSZ on fd); 80 when unknown.
std::size_t terminal_columns(int fd);

class ProgressLine {
  public:
    // enabled = false: prints nothing and leaves the logger alone. columns is
    // asked at every redraw (a resized terminal takes effect at once).
    ProgressLine(std::ostream& err, bool enabled, Logger& log, const Clock& clock,
                 std::function<std::size_t()> columns);
    ~ProgressLine();
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    // Redraws at most 5 times a second (the last phase, done, always).
    void update(const fetch::FetchProgress& p);
    // Ends the line (a newline after the last drawn state) and gives the
    // logger its sink back.
    void finish();

  private:
    void log_line(LogLevel level, std::string_view line);
    void draw_locked();

    std::ostream& err_;
    bool enabled_;
    Logger& log_;
    const Clock& clock_;
    std::function<std::size_t()> columns_;
    Logger::Sink previous_sink_;
    bool sink_installed_ = false;

    std::mutex mu_;
    std::string text_;  // what is drawn now ("" = nothing)
    fetch::FetchPhase phase_ = fetch::FetchPhase::discovering;
    MovingRate rate_;
    Clock::SteadyTime last_draw_{};
    bool drawn_once_ = false;
};

}  // namespace aciswarm::agent
