// The window's log: what every feature reports, kept for the Log panel (bounded) and passed on to a
// sink as it is added (the window echoes it to stderr, so a terminal or the journal sees it too).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace app {

struct LogEntry {
    enum class Level { Info, Warning, Error };
    Level level = Level::Info;
    std::string time;  // HH:MM:SS local
    std::string text;
};

class EventLog {
  public:
    explicit EventLog(std::vector<LogEntry>& entries) : entries_(entries) {}
    void add(LogEntry::Level level, const std::string& text);
    void info(const std::string& text) { add(LogEntry::Level::Info, text); }
    void warning(const std::string& text) { add(LogEntry::Level::Warning, text); }
    void error(const std::string& text) { add(LogEntry::Level::Error, text); }
    const std::string& lastTime() const;  // of the newest entry
    void onEntry(std::function<void(const LogEntry&)> sink) { sink_ = std::move(sink); }

  private:
    std::vector<LogEntry>& entries_;
    std::function<void(const LogEntry&)> sink_;
};

}  // namespace app
