// libFuzzer target: the profile loader (app::parseProfiles, what loadProfiles does with a file's text).
// Invariants beyond "no crash": a bad file is a std::runtime_error naming the file (never another
// exception); a loaded file holds no password and no repeated or empty name; what saveProfiles would
// write for it loads again without warnings to the same profiles, byte for byte.
#include <cstddef>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "app/connect/profiles.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string origin = "/fuzz/profiles.json";
    app::ProfileFile file;
    try {
        file = app::parseProfiles(text, origin);
    } catch (const std::runtime_error& e) {
        FUZZ_CHECK(std::string_view(e.what()).rfind(origin, 0) == 0);
        return 0;
    }
    std::set<std::string> names;
    for (const app::Profile& p : file.profiles) {
        FUZZ_CHECK(!p.name.empty() && names.insert(p.name).second);
        FUZZ_CHECK(!p.settings.password);
        FUZZ_CHECK(file.find(p.name) == &p);
    }
    for (const std::string& warning : file.warnings) FUZZ_CHECK(warning.rfind(origin, 0) == 0);

    std::string saved = app::profilesText(file.profiles);
    app::ProfileFile reloaded = app::parseProfiles(saved, origin);
    FUZZ_CHECK(reloaded.warnings.empty());
    FUZZ_CHECK(reloaded.profiles.size() == file.profiles.size());
    for (size_t i = 0; i < reloaded.profiles.size(); ++i)
        FUZZ_CHECK(reloaded.profiles[i].name == file.profiles[i].name);
    FUZZ_CHECK(app::profilesText(reloaded.profiles) == saved);
    return 0;
}
