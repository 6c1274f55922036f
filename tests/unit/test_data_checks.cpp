// app/data_checks' pure parts: what the Checks panel offers to backfill, named from the spool, and
// how the spool file is read.
#include <doctest/doctest.h>

#include "app/ops/data_checks.hpp"
#include "app/ops/spool.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

db::CheckResult missingCheck(const std::string& name, std::vector<db::MissingDataset> missing) {
    db::CheckResult c;
    c.name = name;
    c.ok = missing.empty();
    for (const auto& m : missing) {
        c.rows.push_back("row " + std::to_string(m.row));
        c.missingDatasets.push_back(m);
    }
    return c;
}

}  // namespace

TEST_CASE("a missing dataset with only an id is backfilled under that id, named by it") {
    const std::string id = "99999999-9999-4999-8999-999999999999";
    std::vector<db::CheckResult> checks = {missingCheck("row_counts", {}),
                                           missingCheck("runs_missing_dataset", {{0, id, std::nullopt}})};
    auto fixes = app::placeholderFixes(checks);
    REQUIRE(fixes.size() == 1);
    CHECK(fixes[0].check == 1);
    CHECK(fixes[0].row == 0);
    CHECK(fixes[0].datasetId == id);
    CHECK(fixes[0].slug == id);  // a lower-case UUID passes the slug rule
    CHECK(!fixes[0].slugKnown);
    REQUIRE(fixes[0].preview.preview);
    CHECK(fixes[0].preview.preview->datasetId == id);  // the runs attach to exactly this id
    CHECK(!fixes[0].preview.preview->idDerived);
    CHECK(fixes[0].key() == "runs_missing_dataset." + id);
}

TEST_CASE(
    "a known slug is used, an upper-case id is lower-cased, and a slug-only dataset gets the derived id") {
    std::vector<db::CheckResult> checks = {missingCheck(
        "spool_missing_datasets", {{0, "AAAAAAAA-1111-4111-8111-111111111111", std::string("sol_2025_4h")},
                                   {1, "", std::string("ada_2024_1d")},
                                   {2, "", std::string("Bad Slug")}})};
    auto fixes = app::placeholderFixes(checks);
    REQUIRE(fixes.size() == 3);
    CHECK(fixes[0].slug == "sol_2025_4h");
    CHECK(fixes[0].datasetId == "aaaaaaaa-1111-4111-8111-111111111111");
    CHECK(fixes[0].slugKnown);
    REQUIRE(fixes[0].preview.preview);
    CHECK(fixes[0].preview.preview->datasetId == "aaaaaaaa-1111-4111-8111-111111111111");

    CHECK(fixes[1].datasetId.empty());
    REQUIRE(fixes[1].preview.preview);
    CHECK(fixes[1].preview.preview->datasetId == app::placeholderDatasetUuid("ada_2024_1d"));
    CHECK(fixes[1].key() == "spool_missing_datasets.ada_2024_1d");

    CHECK(!fixes[2].preview.preview);  // shown with its problem, never sent
    CHECK(!fixes[2].preview.problem.empty());
}

TEST_CASE("an orphaned dataset id the spool also inserts takes the spooled slug") {
    auto preview = app::previewPlaceholder("eth_2026_1h", "", "");
    REQUIRE(preview.preview);
    const std::string spooledId = preview.preview->datasetId;
    db::SpoolScan scan =
        db::scanSpool(app::placeholderInsertStatement(*preview.preview, "2026-01-01T00:00:00Z"));
    REQUIRE(scan.datasets.size() == 1);

    std::vector<db::CheckResult> checks = {
        missingCheck("runs_missing_dataset", {{0, spooledId, std::nullopt},
                                              {1, "12345678-1234-4234-8234-123456789012", std::nullopt}}),
        missingCheck("spool_missing_datasets", {{0, spooledId, std::nullopt}})};
    app::nameMissingDatasetsFromSpool(checks, scan);
    REQUIRE(checks[0].missingDatasets[0].slug);
    CHECK(*checks[0].missingDatasets[0].slug == "eth_2026_1h");
    CHECK(!checks[0].missingDatasets[1].slug);
    CHECK(!checks[1].missingDatasets[0].slug);  // only runs_missing_dataset is named here

    auto fixes = app::placeholderFixes(checks);
    REQUIRE(fixes.size() == 3);
    CHECK(fixes[0].slug == "eth_2026_1h");
    CHECK(fixes[0].slugKnown);
    CHECK(fixes[0].key() != fixes[2].key());  // the same dataset under two checks: two tags
}

TEST_CASE("the spool file: absent is nothing waiting, a folder is a problem, a file is read byte for byte") {
    testsupport::ScratchDir dir;
    auto absent = app::readSpoolFile((dir.path() / "none.sql").string());
    CHECK(!absent.text);
    CHECK(absent.problem.empty());

    auto folder = app::readSpoolFile(dir.path().string());
    CHECK(!folder.text);
    CHECK(folder.problem == dir.path().string() + " is a folder, not a file");

    const std::string bytes = "-- note\r\nINSERT INTO x VALUES (E'\\xff');\n";
    testsupport::writeFile(dir.path() / "spool.sql", bytes);
    auto read = app::readSpoolFile((dir.path() / "spool.sql").string());
    REQUIRE(read.text);
    CHECK(*read.text == bytes);
    CHECK(read.path == (dir.path() / "spool.sql").string());
}
