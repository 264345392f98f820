#include "agent/cli/progress_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <vector>

#include "common/units.hpp"

namespace aciswarm::agent {

using fetch::FetchPhase;
using fetch::FetchProgress;

std::string progress_bytes(std::int64_t n) {
    return format_size(n < 0 ? 0 : static_cast<std::uint64_t>(n));
}

std::string render_progress(const FetchProgress& p, std::int64_t rate, std::size_t max_columns) {
    std::vector<std::string> parts;
    std::string head(fetch::fetch_phase_name(p.phase));
    head += " " + progress_bytes(p.done);
    if (p.total > 0) {
        head += "/" + progress_bytes(p.total);
        const auto percent = static_cast<int>(p.done * 100 / p.total);
        head += " " + std::to_string(percent) + "%";
    }
    parts.push_back(std::move(head));
    parts.push_back(progress_bytes(rate) + "/s");
    const bool swarm = p.phase == FetchPhase::downloading || p.phase == FetchPhase::metadata ||
                       p.phase == FetchPhase::verifying || p.phase == FetchPhase::done;
    const std::int64_t agents = p.from_peers - p.from_everseed;
    if (swarm && (p.from_peers > 0 || p.from_web_seeds > 0)) {
        parts.push_back("everseed " + progress_bytes(p.from_everseed) + ", agents " +
                        progress_bytes(agents < 0 ? 0 : agents) + ", web seed " +
                        progress_bytes(p.from_web_seeds));
    }
    if (p.phase == FetchPhase::downloading || p.phase == FetchPhase::metadata) {
        parts.push_back(std::to_string(p.peers) + " peers");
    }
    if (p.hash_failures > 0) parts.push_back(std::to_string(p.hash_failures) + " bad pieces");

    std::string out = parts.front();
    if (out.size() > max_columns) out.resize(max_columns);
    for (std::size_t i = 1; i < parts.size(); ++i) {
        if (out.size() + 2 + parts[i].size() > max_columns) continue;  // try the smaller ones
        out += "  " + parts[i];
    }
    return out;
}

void MovingRate::add(Clock::SteadyTime now, std::int64_t total) {
    if (!samples_.empty() && total < samples_.back().second) samples_.clear();  // a new phase
    samples_.emplace_back(now, total);
    // Keep one sample older than the window so the average spans all of it.
    while (samples_.size() > 2 && now - samples_[1].first >= window_)
        samples_.pop_front();
}

std::int64_t MovingRate::rate() const {
    if (samples_.size() < 2) return 0;
    const auto span = samples_.back().first - samples_.front().first;
    if (span < std::chrono::milliseconds(200)) return 0;
    const double seconds = std::chrono::duration<double>(span).count();
    return static_cast<std::int64_t>(
        static_cast<double>(samples_.back().second - samples_.front().second) / seconds);
}

std::size_t terminal_columns(int fd) {
    winsize ws{};
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

ProgressLine::ProgressLine(std::ostream& err, bool enabled, Logger& log, const Clock& clock,
                           std::function<std::size_t()> columns)
    : err_(err), enabled_(enabled), log_(log), clock_(clock), columns_(std::move(columns)) {
    if (!enabled_) return;
    previous_sink_ =
        log_.swap_sink([this](LogLevel level, std::string_view line) { log_line(level, line); });
    sink_installed_ = true;
}

ProgressLine::~ProgressLine() {
    finish();
}

void ProgressLine::log_line(LogLevel level, std::string_view line) {
    std::lock_guard lock(mu_);
    if (!text_.empty()) err_ << "\r\033[K";
    if (previous_sink_) {
        previous_sink_(level, line);
    } else {
        err_ << line << "\n";
    }
    if (!text_.empty()) err_ << text_;
    err_ << std::flush;
}

void ProgressLine::draw_locked() {
    const std::size_t columns = columns_ ? columns_() : 80;
    // The last column stays empty: some terminals wrap when it is written.
    err_ << "\r" << text_.substr(0, columns > 1 ? columns - 1 : 1) << "\033[K" << std::flush;
}

void ProgressLine::update(const FetchProgress& p) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    const auto now = clock_.now();
    if (p.phase != phase_) rate_.reset();
    phase_ = p.phase;
    const bool swarm = p.phase == FetchPhase::downloading || p.phase == FetchPhase::metadata;
    rate_.add(now, swarm ? p.from_peers + p.from_web_seeds : p.done);
    const bool last = p.phase == FetchPhase::done;
    if (!last && drawn_once_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
    last_draw_ = now;
    drawn_once_ = true;
    const std::size_t columns = columns_ ? columns_() : 80;
    text_ = render_progress(p, rate_.rate(), columns > 1 ? columns - 1 : 1);
    draw_locked();
}

void ProgressLine::finish() {
    if (sink_installed_) {
        log_.swap_sink(std::move(previous_sink_));
        sink_installed_ = false;
    }
    std::lock_guard lock(mu_);
    if (!text_.empty()) err_ << "\n" << std::flush;
    text_.clear();
}

}  // namespace aciswarm::agent
