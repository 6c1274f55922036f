#include "app/workbench/event_log.hpp"

#include <ctime>

namespace app {

namespace {

constexpr size_t kMaxLogEntries = 5000;

std::string clockTime() {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", &local);
    return text;
}

}  // namespace

void EventLog::add(LogEntry::Level level, const std::string& text) {
    // Dropped a tenth at a time, so a chatty session does not shift the vector on every entry.
    if (entries_.size() >= kMaxLogEntries)
        entries_.erase(entries_.begin(), entries_.begin() + kMaxLogEntries / 10);
    entries_.push_back({level, clockTime(), text});
    if (sink_) sink_(entries_.back());
}

const std::string& EventLog::lastTime() const {
    static const std::string none;
    return entries_.empty() ? none : entries_.back().time;
}

}  // namespace app
