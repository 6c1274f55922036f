// What fn_upsert_placeholder_dataset (db/migrations/0008_placeholder_dataset.sql) will insert for a
// slug, computed on the client so the window can show it before anything is sent. Pure logic.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace app {

struct PlaceholderPreview {
    std::string slug;
    std::string datasetId;  // lower-case 8-4-4-4-12
    std::string symbol;
    std::string granularity;  // always "unknown"
    std::string source;       // always "laptop_imgui"
    bool idDerived = true;    // true when datasetId came from the slug, false when one was given
};

// fn_placeholder_dataset_uuid: UUIDv8 from the first 16 bytes of
// SHA-256(bytes of 03e2d09f-0a26-4ff5-b031-126632b4b285 || slug), version 8, variant 10, lower-case.
std::string placeholderDatasetUuid(std::string_view slug);

struct PreviewResult {
    std::optional<PlaceholderPreview> preview;
    std::string problem;  // why there is no preview; empty when there is one
};

// Mirrors the SQL function's checks and defaults: the slug must match db::kDatasetSlugRule; a UUID,
// when given (surrounding whitespace ignored, blank = not given), must be 8-4-4-4-12 hex and is
// lower-cased; the symbol is trimmed of spaces as btrim() does, and when blank defaults to the
// upper-cased leading [a-z0-9]+ run of the slug (btc_2025_4h -> BTC).
PreviewResult previewPlaceholder(const std::string& slug, const std::string& uuidOrEmpty,
                                 const std::string& symbolOrEmpty);

}  // namespace app
