// Saved connection profiles: JSON in $XDG_CONFIG_HOME/stage1-debugger/profiles.json (mode 0600).
// A profile never holds a password; one found in the file is ignored and reported.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/connect/connection_settings.hpp"

namespace app {

struct Profile {
    std::string name;
    ConnectionSettings settings;  // password is never read or written
};

struct ProfileFile {
    std::vector<Profile> profiles;
    std::vector<std::string> warnings;  // e.g. "profile 'x': a password field was ignored"
    const Profile* find(const std::string& name) const;
};

// $XDG_CONFIG_HOME/stage1-debugger (or ~/.config/stage1-debugger); empty when neither is set.
std::filesystem::path configDirectory(const EnvLookup& env);
std::filesystem::path profilesPath(const EnvLookup& env);

// A missing file is an empty list. A malformed one throws std::runtime_error naming the file,
// the line and what was wrong; the file is left untouched.
ProfileFile loadProfiles(const std::filesystem::path& path);
// What loadProfiles does with the file's text; `origin` (the file's name) starts every error and
// warning. Integer fields must be JSON integers that fit an int.
ProfileFile parseProfiles(std::string_view text, const std::string& origin);
// Writes profilesText atomically (temp file + rename) with mode 0600, in a 0700 folder.
void saveProfiles(const std::filesystem::path& path, const std::vector<Profile>& profiles);
// The file's bytes: {"profiles": [...]} indented by 2, without passwords.
std::string profilesText(const std::vector<Profile>& profiles);

}  // namespace app
