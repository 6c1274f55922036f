#include "app/connect/profiles.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace app {

namespace {

using nlohmann::json;

const char* modeName(ConnectionMode mode) {
    return mode == ConnectionMode::Tunnel ? "tunnel" : "direct";
}

template <typename T>
void readField(const json& j, const char* key, std::optional<T>& out, const std::string& where) {
    if (!j.contains(key) || j[key].is_null()) return;
    try {
        out = j[key].get<T>();
    } catch (const json::exception&) {
        throw std::runtime_error(where + ": field '" + key + "' has the wrong type");
    }
}

// nlohmann's get<int>() casts a float or a 64-bit integer without a check (1e300 is undefined
// behaviour, 4294967297 becomes 1): only integers that fit are taken.
void readField(const json& j, const char* key, std::optional<int>& out, const std::string& where) {
    if (!j.contains(key) || j[key].is_null()) return;
    const json& value = j[key];
    if (!value.is_number_integer())
        throw std::runtime_error(where + ": field '" + key + "' has the wrong type (expected an integer)");
    bool fits = value.is_number_unsigned() ? value.get<std::uint64_t>() <=
                                                 static_cast<std::uint64_t>(std::numeric_limits<int>::max())
                                           : value.get<std::int64_t>() >= std::numeric_limits<int>::min() &&
                                                 value.get<std::int64_t>() <= std::numeric_limits<int>::max();
    if (!fits) throw std::runtime_error(where + ": field '" + key + "' is out of range");
    out = static_cast<int>(value.get<std::int64_t>());
}

template <typename T>
void writeField(json& j, const char* key, const std::optional<T>& value) {
    if (value) j[key] = *value;
}

Profile profileFromJson(const json& j, const std::string& where, std::vector<std::string>& warnings) {
    if (!j.is_object()) throw std::runtime_error(where + ": a profile must be a JSON object");
    Profile p;
    if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty())
        throw std::runtime_error(where + ": a profile needs a non-empty \"name\"");
    p.name = j["name"];
    ConnectionSettings& s = p.settings;
    readField(j, "host", s.host, where);
    readField(j, "port", s.port, where);
    readField(j, "dbname", s.dbname, where);
    readField(j, "user", s.user, where);
    readField(j, "sslmode", s.sslmode, where);
    readField(j, "sslrootcert", s.sslrootcert, where);
    readField(j, "connect_timeout", s.connectTimeoutS, where);
    readField(j, "application_name", s.applicationName, where);
    readField(j, "statement_timeout_ms", s.statementTimeoutMs, where);
    std::optional<std::string> mode;
    readField(j, "mode", mode, where);
    if (mode) {
        if (*mode == "direct")
            s.mode = ConnectionMode::Direct;
        else if (*mode == "tunnel")
            s.mode = ConnectionMode::Tunnel;
        else
            throw std::runtime_error(where + ": mode must be \"direct\" or \"tunnel\"");
    }
    if (j.contains("tunnel")) {
        const json& t = j["tunnel"];
        if (!t.is_object()) throw std::runtime_error(where + ": \"tunnel\" must be an object");
        readField(t, "local_port", s.tunnelLocalPort, where);
        readField(t, "ssh_target", s.sshTarget, where);
        readField(t, "remote_host", s.remoteHost, where);
        readField(t, "remote_port", s.remotePort, where);
        readField(t, "ssh_identity", s.sshIdentity, where);
        readField(t, "ssh_known_hosts", s.sshKnownHosts, where);
    }
    if (j.contains("questdb")) {
        const json& q = j["questdb"];
        if (!q.is_object()) throw std::runtime_error(where + ": \"questdb\" must be an object");
        readField(q, "host", s.questdb.host, where);
        readField(q, "port", s.questdb.port, where);
        readField(q, "user", s.questdb.user, where);
        readField(q, "dbname", s.questdb.dbname, where);
        if (q.contains("password"))
            warnings.push_back(where +
                               ": a \"questdb\" \"password\" field was ignored (profiles never hold "
                               "passwords; use STAGE1_QUESTDB_PASSWORD or ~/.pgpass)");
    }
    if (j.contains("password"))
        warnings.push_back(where +
                           ": a \"password\" field was ignored (profiles never hold passwords; use "
                           "~/.pgpass or STAGE1_POSTGRES_PASSWORD)");
    return p;
}

json profileToJson(const Profile& p) {
    const ConnectionSettings& s = p.settings;
    json j = {{"name", p.name}};
    writeField(j, "host", s.host);
    writeField(j, "port", s.port);
    writeField(j, "dbname", s.dbname);
    writeField(j, "user", s.user);
    writeField(j, "sslmode", s.sslmode);
    writeField(j, "sslrootcert", s.sslrootcert);
    writeField(j, "connect_timeout", s.connectTimeoutS);
    writeField(j, "application_name", s.applicationName);
    writeField(j, "statement_timeout_ms", s.statementTimeoutMs);
    if (s.mode) j["mode"] = modeName(*s.mode);
    json tunnel = json::object();
    writeField(tunnel, "local_port", s.tunnelLocalPort);
    writeField(tunnel, "ssh_target", s.sshTarget);
    writeField(tunnel, "remote_host", s.remoteHost);
    writeField(tunnel, "remote_port", s.remotePort);
    writeField(tunnel, "ssh_identity", s.sshIdentity);
    writeField(tunnel, "ssh_known_hosts", s.sshKnownHosts);
    if (!tunnel.empty()) j["tunnel"] = tunnel;
    json questdb = json::object();
    writeField(questdb, "host", s.questdb.host);
    writeField(questdb, "port", s.questdb.port);
    writeField(questdb, "user", s.questdb.user);
    writeField(questdb, "dbname", s.questdb.dbname);
    if (!questdb.empty()) j["questdb"] = questdb;
    return j;  // s.password and s.questdb.password are deliberately never written
}

}  // namespace

const Profile* ProfileFile::find(const std::string& name) const {
    for (const auto& p : profiles)
        if (p.name == name) return &p;
    return nullptr;
}

std::filesystem::path configDirectory(const EnvLookup& env) {
    const char* xdg = env("XDG_CONFIG_HOME");
    if (xdg && *xdg) return std::filesystem::path(xdg) / "stage1-debugger";
    const char* home = env("HOME");
    if (home && *home) return std::filesystem::path(home) / ".config" / "stage1-debugger";
    return {};
}

std::filesystem::path profilesPath(const EnvLookup& env) {
    auto dir = configDirectory(env);
    return dir.empty() ? dir : dir / "profiles.json";
}

ProfileFile loadProfiles(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::stringstream text;
    text << in.rdbuf();
    return parseProfiles(text.str(), path.string());
}

ProfileFile parseProfiles(std::string_view text, const std::string& origin) {
    ProfileFile file;
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
        throw std::runtime_error(origin + " is not valid JSON: " + e.what());
    }
    if (!root.is_object() || !root.contains("profiles") || !root["profiles"].is_array())
        throw std::runtime_error(origin + ": expected {\"profiles\": [ ... ]}");
    int index = 0;
    for (const auto& entry : root["profiles"]) {
        std::string where = origin + ": profile #" + std::to_string(++index);
        Profile p = profileFromJson(entry, where, file.warnings);
        if (file.find(p.name)) throw std::runtime_error(where + ": the name '" + p.name + "' is used twice");
        file.profiles.push_back(std::move(p));
    }
    return file;
}

void saveProfiles(const std::filesystem::path& path, const std::vector<Profile>& profiles) {
    std::filesystem::create_directories(path.parent_path());
    ::chmod(path.parent_path().c_str(), 0700);
    std::string bytes = profilesText(profiles);

    std::string temp = path.string() + ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write " + temp);
    ::fchmod(fd, 0600);  // an older temp file may have had other bits
    bool ok =
        ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
        ::unlink(temp.c_str());
        throw std::runtime_error("cannot write " + path.string());
    }
}

std::string profilesText(const std::vector<Profile>& profiles) {
    json root = {{"profiles", json::array()}};
    for (const auto& p : profiles) root["profiles"].push_back(profileToJson(p));
    return root.dump(2) + "\n";
}

}  // namespace app
