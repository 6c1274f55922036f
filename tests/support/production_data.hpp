// A healthy Stage 1.3 database shaped like production's after a year of use, built through the
// real server the way production got there: the 1.3 tables without a ledger (tests/fixtures/
// stage13_base.sql), legacy rows written before serialized_config existed, `stage1ctl migrate`
// (0003 fills those rows), then what the desktops and the training pipeline wrote since. Nothing in
// it is a finding: `stage1ctl validate` and postgres_checks.sql must pass on it.
#pragma once

#include <string>

#include "tests/support/test_database.hpp"

namespace testsupport {

// What the database holds, by name, for tests that add one problem and look for it.
namespace production {
// Registered datasets (source binance): btc with legacy and recent runs, eth with recent runs,
// sol registered but without any run.
inline const char* const kBtc = "0b7c0000-0000-4000-8000-000000000001";
inline const char* const kEth = "0b7c0000-0000-4000-8000-000000000002";
inline const char* const kSol = "0b7c0000-0000-4000-8000-000000000003";
// A legacy completed run (written before 0002; its serialized_config comes from 0003).
inline const char* const kLegacyRun = "1e6a0000-0000-4000-8000-000000000001";
// Recent runs written by the desktop, one per status, and a failed run with one fold.
inline const char* const kCompletedRun = "4e3c0000-0000-4000-8000-000000000001";
inline const char* const kPendingRun = "4e3c0000-0000-4000-8000-000000000002";
inline const char* const kRunningRun = "4e3c0000-0000-4000-8000-000000000003";
inline const char* const kFailedRun = "4e3c0000-0000-4000-8000-000000000004";
inline const char* const kFailedRunWithFold = "4e3c0000-0000-4000-8000-000000000005";
inline const char* const kRunningPartialRun = "4e3c0000-0000-4000-8000-000000000006";
// Placeholder slugs (fn_upsert_placeholder_dataset): two created today, one six days ago (inside
// the default seven-day grace), one created forty days ago and registered since (row_count > 0).
inline const char* const kYoungPlaceholderWithRuns = "ada_2026_1h";
inline const char* const kYoungPlaceholder = "doge_2026_15m";
inline const char* const kAlmostStalePlaceholder = "xrp_2026_4h";
inline const char* const kRegisteredPlaceholder = "avax_2025_1d";
// The measurement names of the recent runs without folds: information, never findings.
inline const char* const kPendingMeasurement = "eth_ret_fwd_6_lgbm_pending";
inline const char* const kRunningMeasurement = "eth_ret_fwd_6_xgb_running";
inline const char* const kFailedMeasurement = "eth_ret_fwd_24_mlp_failed";
}  // namespace production

// Builds it in `database`, which must be empty. Fails the test (REQUIRE) when a step fails.
void buildHealthyProductionDatabase(const TestDatabase& database);

// What QuestDB holds for that database, on a PostgreSQL stand-in (a tables() function and plain
// tables): a table per dataset with row_count rows (placeholders: some rows, row_count not recorded),
// and the tables of every completed run and simulation. Not completed ones may have none yet.
void buildHealthyQuestDbStandIn(const TestDatabase& production, const TestDatabase& questdb);

}  // namespace testsupport
