// Strings that break naive SQL building, for the injection tests: each must reach the server as
// data (a bound value) or be refused before anything is sent.
#pragma once

#include <string>
#include <vector>

namespace testsupport {

struct HostileString {
    const char* name;  // for CAPTURE / INFO: never print the 10 MB value itself
    std::string value;
};

inline const std::string& tenMegabytes() {
    static const std::string value = [] {
        std::string v = "'; DROP TABLE indicator_datasets; --";
        v.resize(10u * 1024u * 1024u, 'x');
        return v;
    }();
    return value;
}

// Fits in a command-line argument: everything but the NUL byte and the 10 MB string.
inline std::vector<HostileString> hostileStrings() {
    return {
        {"drop table", "'; DROP TABLE indicator_datasets; --"},
        {"drop in parentheses", "x'); DELETE FROM walkforward_runs; --"},
        {"dollar quotes", "$$; DROP TABLE simulation_runs; $$"},
        {"dollar tag", "$tag$'; TRUNCATE walkforward_folds; --$tag$"},
        {"single quote", "'"},
        {"doubled quotes", "''"},
        {"double quote", "\"indicator_datasets\""},
        {"backslash", "\\"},
        {"backslash quote", "\\'; DROP TABLE walkforward_runs; --"},
        {"escape string", "E'\\x27; DROP TABLE walkforward_runs; --"},
        {"like wildcards", "%_%"},
        {"comment", "/* */ OR 1=1 --"},
        {"line break", "a\nDROP TABLE indicator_datasets;\n"},
        {"psql meta-command", "\\! touch /tmp/stage1-injection"},
    };
}

// Cannot be a command-line argument: checked through the library and the window.
inline std::string withNulByte() {
    static const char bytes[] = "btc\0'; DROP TABLE indicator_datasets; --";
    return std::string(bytes, sizeof bytes - 1);
}

// Words the hostile strings use that the app's own statements never contain.
inline std::vector<std::string> hostileMarkers() {
    return {"DROP", "DELETE", "TRUNCATE", "OR 1=1", "$tag$", "$$", "touch", "indicator_datasets\""};
}

}  // namespace testsupport
