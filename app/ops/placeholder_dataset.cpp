#include "app/ops/placeholder_dataset.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "db/browse/stage1_queries.hpp"

namespace app {

namespace {

// 03e2d09f-0a26-4ff5-b031-126632b4b285 in network byte order, as uuid_send() gives it.
constexpr unsigned char kNamespace[16] = {0x03, 0xe2, 0xd0, 0x9f, 0x0a, 0x26, 0x4f, 0xf5,
                                          0xb0, 0x31, 0x12, 0x66, 0x32, 0xb4, 0xb2, 0x85};

std::string trim(const std::string& text, const char* characters) {
    const size_t first = text.find_first_not_of(characters);
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(characters) - first + 1);
}

std::string lowerAscii(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// upper(substring(slug FROM '^[a-z0-9]+')) for a slug that already passed the slug rule.
std::string symbolFromSlug(const std::string& slug) {
    std::string symbol;
    for (char c : slug) {
        if (c >= 'a' && c <= 'z')
            symbol += static_cast<char>(c - 'a' + 'A');
        else if (c >= '0' && c <= '9')
            symbol += c;
        else
            break;
    }
    return symbol;
}

}  // namespace

std::string placeholderDatasetUuid(std::string_view slug) {
    std::string input(reinterpret_cast<const char*>(kNamespace), sizeof kNamespace);
    input.append(slug);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("sha256 failed (OpenSSL)");
    digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x80);  // version 8
    digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // variant 10
    static const char* hex = "0123456789abcdef";
    std::string uuid;
    uuid.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) uuid += '-';
        uuid += hex[digest[i] >> 4];
        uuid += hex[digest[i] & 0x0F];
    }
    return uuid;
}

PreviewResult previewPlaceholder(const std::string& slug, const std::string& uuidOrEmpty,
                                 const std::string& symbolOrEmpty) {
    if (auto problem = db::datasetSlugProblem(slug)) return {std::nullopt, *problem};

    PlaceholderPreview preview;
    preview.slug = slug;
    const std::string uuid = trim(uuidOrEmpty, " \t\r\n");
    preview.idDerived = uuid.empty();
    if (preview.idDerived) {
        preview.datasetId = placeholderDatasetUuid(slug);
    } else if (db::looksLikeUuid(uuid)) {
        preview.datasetId = lowerAscii(uuid);
    } else {
        std::string shown = uuid.size() > 80 ? uuid.substr(0, 80) + "..." : uuid;
        return {std::nullopt, "invalid dataset id '" + shown +
                                  "': expected a UUID like 44744a70-d595-8a7e-90ab-1d7c7795b1f2, or leave it "
                                  "empty to derive one from the slug"};
    }
    // btrim() with no characters given strips spaces only.
    preview.symbol = trim(symbolOrEmpty, " ");
    if (preview.symbol.empty()) preview.symbol = symbolFromSlug(slug);
    preview.granularity = "unknown";
    preview.source = "laptop_imgui";
    return {std::move(preview), ""};
}

}  // namespace app
