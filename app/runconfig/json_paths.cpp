#include "app/runconfig/json_paths.hpp"

#include <cctype>

namespace app {

namespace {

bool isIdentifier(const std::string& key) {
    if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0]))) return false;
    for (char c : key)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

void flattenInto(const nlohmann::json& value, const std::string& path,
                 std::vector<std::pair<std::string, nlohmann::json>>& out) {
    if (!value.is_object() || value.empty()) {
        out.emplace_back(path, value);
        return;
    }
    for (const auto& [key, child] : value.items()) {  // nlohmann's object is a std::map: key order
        const std::string step = queryPathStep(key);
        flattenInto(child, path.empty() ? step : path + "." + step, out);
    }
}

}  // namespace

std::string queryPathStep(const std::string& key) {
    if (isIdentifier(key)) return key;
    std::string quoted = "\"";
    for (char c : key) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::vector<std::pair<std::string, nlohmann::json>> flattenJson(const nlohmann::json& document,
                                                                const std::string& prefix) {
    std::vector<std::pair<std::string, nlohmann::json>> out;
    if (document.is_object() && document.empty()) return out;  // {} has no keys to show
    flattenInto(document, prefix, out);
    return out;
}

std::string leafText(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace app
