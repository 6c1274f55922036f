// stage1ctl backup / restore-check against the real server with the real pg_dump and pg_restore.
#include <doctest/doctest.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "app/ops/backup_files.hpp"
#include "app/ops/pg_tools.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using testsupport::TestDatabase;

namespace {

void seed(db::Connection& conn) {
    conn.exec(R"sql(
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count) VALUES
          ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'binance', 'btc_2025_4h', 3),
          ('22222222-2222-4222-8222-222222222222', 'ETH', '1h', 'binance', 'eth_2024_1h', 7);
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config)
          SELECT gen_random_uuid(), '11111111-1111-4111-8111-111111111111', 'm_' || i, '[]', '{}', '{}', 'completed', 'c'
          FROM generate_series(1, 5) i;
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end)
          SELECT run_id, 0, now(), now(), now(), now() FROM walkforward_runs;
    )sql");
}

testsupport::ProcessResult ctl(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env = {}) {
    return testsupport::runStage1ctl(args, env);
}

std::vector<std::string> filesIn(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

fs::path onlyDump(const fs::path& dir) {
    fs::path found;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".dump" && e.path().filename().string()[0] != '.') found = e.path();
    REQUIRE_MESSAGE(!found.empty(), "no dump in " << dir);
    return found;
}

bool databaseExists(const std::string& name) {
    auto admin = db::Connection::open(testsupport::adminParams());
    return admin.query("SELECT count(*) FROM pg_database WHERE datname = $1", {name}).integer(0, 0) == 1;
}

// A dump's file and its sidecars copied into another folder (same names).
void copyDumpSet(const fs::path& dump, const fs::path& toDir) {
    for (const char* suffix : {"", app::kSha256Suffix, app::kSourceFactsSuffix, app::kVerifiedSuffix})
        if (fs::exists(dump.string() + suffix))
            fs::copy_file(dump.string() + suffix, toDir / (dump.filename().string() + suffix));
}

std::string realPgBin() {
    std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
    auto env = [&](const char* name) -> const char* {
        return std::string(name) == "PATH" ? path.c_str() : nullptr;
    };
    return app::findPgProgram("pg_dump", std::nullopt, env).parent_path().string();
}

// pg_dump and pg_restore refuse a server of a newer major than themselves, and Debian 12 has only
// 15's, so against 16 and newer (./dev test runs 18) a real dump cannot be taken here. The refusal
// itself is what test_postgres_majors.cpp checks there; these tests then stop, and say so.
bool localPgDumpServes(db::Connection conn) {
    const int client = app::pgProgramMajor(fs::path(realPgBin()) / "pg_dump").value_or(0);
    if (client >= conn.serverMajor()) return true;
    MESSAGE("pg_dump " << client << " cannot dump PostgreSQL " << conn.serverVersion()
                       << ": the rest of this test needs the client programs of that major");
    return false;
}

}  // namespace

TEST_CASE("backup writes a verified dump with sha256sum-compatible sidecars and drops its scratch database") {
    TestDatabase database;
    database.migrate();
    if (!localPgDumpServes(database.connect())) return;
    auto conn = database.connect();
    seed(conn);
    testsupport::ScratchDir dir;
    auto run = database.ctl({"backup", "--dir", dir.path().string(), "--json"});
    INFO(run.out << run.err);
    REQUIRE(run.exitCode == 0);
    json report = json::parse(run.out);
    CHECK(report["ok"] == true);
    const fs::path dump = onlyDump(dir.path());
    CHECK(report["dump"] == dump.string());
    CHECK(app::parseDumpFileName(dump.filename().string(), database.name()));
    const std::string name = dump.filename().string();
    CHECK(filesIn(dir.path()) == std::vector<std::string>{".stage1-backup.lock", name, name + ".sha256",
                                                          name + ".source.json", name + ".verified"});
    struct stat st {};
    REQUIRE(stat(dump.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    auto sha = testsupport::runProcess(
        {"/bin/sh", "-c", "cd \"$0\" && sha256sum -c \"$1\"", dir.path().string(), name + ".sha256"});
    INFO(sha.out << sha.err);
    CHECK(sha.exitCode == 0);
    CHECK(sha.out == name + ": OK\n");

    json marker = json::parse(testsupport::readFile(dump.string() + ".verified"));
    CHECK(marker["tables"]["public.walkforward_runs"] == 5);
    CHECK(marker["tables"]["public.walkforward_folds"] == 5);
    CHECK(marker["tables"]["public.indicator_datasets"] == 2);
    CHECK(marker["tables"]["public.simulation_runs"] == 0);
    CHECK(marker["tables"].contains("public.stage1_schema_migrations"));
    CHECK(marker["constraints"].get<int>() >= 10);
    CHECK(marker["sha256"] == app::sha256OfFile(dump));
    const std::string scratch = report["verify"]["scratch_database"];
    CHECK(scratch.rfind("stage1_restore_check_", 0) == 0);
    CHECK(!databaseExists(scratch));
    REQUIRE(report["kept"].size() == 1);
    CHECK(report["kept"][0]["reasons"][0] == "newest verified");
    CHECK(report["pruned"].empty());

    auto positional = database.ctl({"restore-check", dump.string()});
    INFO(positional.out << positional.err);
    CHECK(positional.exitCode == 0);
    CHECK(positional.out.find("verified: restored into stage1_restore_check_") != std::string::npos);
    CHECK(database.ctl({"restore-check", "--file", dump.string()}).exitCode == 0);
    CHECK(database.ctl({"restore-check", "--file", (dir.path() / "nope.dump").string()}).exitCode == 1);
}

TEST_CASE(
    "restore-check fails on a flipped byte and on a truncated dump whose sidecar was rewritten to match") {
    TestDatabase database;
    database.migrate();
    if (!localPgDumpServes(database.connect())) return;
    auto conn = database.connect();
    seed(conn);
    testsupport::ScratchDir dir, flipped, truncated;
    REQUIRE(database.ctl({"backup", "--dir", dir.path().string()}).exitCode == 0);
    const fs::path dump = onlyDump(dir.path());
    copyDumpSet(dump, flipped.path());
    copyDumpSet(dump, truncated.path());

    const fs::path bad = flipped.path() / dump.filename();
    std::string bytes = testsupport::readFile(bad);
    for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16; ++i)
        bytes[i] = static_cast<char>(bytes[i] ^ 0xff);
    testsupport::writeFile(bad, bytes);
    auto mismatch = database.ctl({"restore-check", bad.string(), "--json"});
    INFO(mismatch.out << mismatch.err);
    CHECK(mismatch.exitCode == 1);
    json j = json::parse(mismatch.out);
    CHECK(j["ok"] == false);
    CHECK(j["failure"] == "sha256_mismatch");
    CHECK(j["problems"][0].get<std::string>().find("sha256 mismatch") == 0);
    CHECK(j["scratch_database"] == "");  // a corrupted file is never restored

    const fs::path cut = truncated.path() / dump.filename();
    std::string whole = testsupport::readFile(cut);
    testsupport::writeFile(cut, whole.substr(0, whole.size() / 2));
    testsupport::writeFile(cut.string() + ".sha256",
                           app::sha256SidecarText(app::sha256OfFile(cut), cut.filename().string()));
    auto restore = database.ctl({"restore-check", cut.string(), "--json"});
    INFO(restore.out << restore.err);
    CHECK(restore.exitCode == 1);
    json r = json::parse(restore.out);
    CHECK(r["failure"] == "restore_failed");
    CHECK(r["problems"][0].get<std::string>().find("pg_restore failed") == 0);
    CHECK(!databaseExists(r["scratch_database"]));  // dropped on the failure path too
    CHECK(!fs::exists(cut.string() + ".verified"));
}

TEST_CASE(
    "restore-check compares with the dump's snapshot, or with the live database when it has no facts file") {
    TestDatabase database;
    database.migrate();
    if (!localPgDumpServes(database.connect())) return;
    auto conn = database.connect();
    seed(conn);
    testsupport::ScratchDir dir, bare;
    REQUIRE(database.ctl({"backup", "--dir", dir.path().string()}).exitCode == 0);
    const fs::path dump = onlyDump(dir.path());
    copyDumpSet(dump, bare.path());
    fs::remove(bare.path() / (dump.filename().string() + ".source.json"));
    const fs::path bareDump = bare.path() / dump.filename();

    auto live = database.ctl({"restore-check", bareDump.string(), "--json"});
    INFO(live.out << live.err);
    CHECK(live.exitCode == 0);
    CHECK(json::parse(live.out)["compared_with"].get<std::string>().find("the live database") == 0);

    conn.exec(
        "DELETE FROM walkforward_folds WHERE fold_index = 0 AND run_id IN (SELECT run_id FROM "
        "walkforward_runs LIMIT 1)");
    auto changed = database.ctl({"restore-check", bareDump.string(), "--json"});
    CHECK(changed.exitCode == 1);
    json c = json::parse(changed.out);
    CHECK(c["failure"] == "mismatch");
    CHECK(c["problems"] == json::array({"public.walkforward_folds: 4 rows expected, 5 restored"}));
    // The dump's own facts still match: the database moved on, the dump did not change.
    auto snapshot = database.ctl({"restore-check", dump.string()});
    CHECK(snapshot.exitCode == 0);
    CHECK(snapshot.out.find("compared with the dump's snapshot") != std::string::npos);
}

TEST_CASE("retention keeps daily and weekly dumps of this database and never touches other files") {
    TestDatabase database;
    database.migrate();
    if (!localPgDumpServes(database.connect())) return;
    testsupport::ScratchDir dir;
    const std::string db = database.name();
    auto fake = [&](const std::string& stamp, bool verified) {
        const std::string name = db + "-" + stamp + ".dump";
        testsupport::writeFile(dir.path() / name, "PGDMP fake");
        testsupport::writeFile(dir.path() / (name + ".sha256"),
                               app::sha256SidecarText(std::string(64, '0'), name));
        testsupport::writeFile(dir.path() / (name + ".source.json"), "{}");
        if (verified) testsupport::writeFile(dir.path() / (name + ".verified"), "{}");
        return name;
    };
    const std::string a = fake("20200310T100000Z", true);   // Tue, ISO 2020-W11
    const std::string b = fake("20200310T090000Z", true);   // same day, older
    const std::string c = fake("20200309T000000Z", true);   // Mon, W11
    const std::string d = fake("20200308T000000Z", true);   // Sun, W10
    const std::string e = fake("20200301T000000Z", true);   // Sun, W09
    const std::string f = fake("20200305T000000Z", false);  // never verified
    const std::vector<std::string> foreign = {"notes.txt", "other_db-20200101T000000Z.dump",
                                              db + "-2020.dump", db + "-20200101T000000Z.dump.bak",
                                              ".hidden"};
    for (const auto& name : foreign) testsupport::writeFile(dir.path() / name, "not ours");

    auto run = database.ctl(
        {"backup", "--dir", dir.path().string(), "--keep-daily", "3", "--keep-weekly", "3", "--json"});
    INFO(run.out << run.err);
    REQUIRE(run.exitCode == 0);
    json report = json::parse(run.out);
    std::vector<std::string> pruned = report["pruned"];
    std::sort(pruned.begin(), pruned.end());
    CHECK(pruned == std::vector<std::string>{e, f, b});
    std::vector<std::string> kept;
    for (const auto& k : report["kept"]) kept.push_back(k["file"]);
    CHECK(kept.size() == 4);
    CHECK(kept[1] == a);
    CHECK(kept[2] == c);
    CHECK(kept[3] == d);
    CHECK(report["kept"][3]["reasons"] == json::array({"weekly 2020-W10"}));
    for (const auto& name : {b, e, f})
        for (const char* suffix : {"", ".sha256", ".source.json", ".verified"})
            CHECK(!fs::exists(dir.path() / (name + suffix)));
    for (const auto& name : foreign) CHECK(testsupport::readFile(dir.path() / name) == "not ours");
    CHECK(fs::exists(dir.path() / (a + ".verified")));
}

TEST_CASE("backup fails clearly without pg_dump, in an unwritable folder, while locked, and on a full disk") {
    TestDatabase database;
    database.migrate();
    testsupport::ScratchDir dir;
    // No pg_dump: said before any connection is tried (the server here does not even exist).
    auto missing = ctl({"backup", "--dir", dir.path().string(), "--pg-bin", dir.path().string(), "--json",
                        "--dsn", "host=127.0.0.1 port=" + testsupport::closedLoopbackPort()});
    CHECK(missing.exitCode == 1);
    CHECK(missing.err.find("pg_dump not found in --pg-bin " + dir.path().string()) != std::string::npos);
    if (!localPgDumpServes(database.connect())) return;
    CHECK(json::parse(missing.out)["error"]["kind"] == "pg_tool_missing");

    // Not a folder at all: root ignores permission bits, so a path below a regular file stands in.
    testsupport::writeFile(dir.path() / "file", "x");
    auto unwritable = database.ctl({"backup", "--dir", (dir.path() / "file" / "sub").string(), "--json"});
    CHECK(unwritable.exitCode == 1);
    CHECK(json::parse(unwritable.out)["error"]["kind"] == "folder_not_writable");

    const fs::path locked = dir.path() / "locked";
    fs::create_directory(locked);
    int fd = ::open((locked / ".stage1-backup.lock").c_str(), O_RDWR | O_CREAT, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(flock(fd, LOCK_EX) == 0);
    auto busy = database.ctl({"backup", "--dir", locked.string()});
    ::close(fd);
    CHECK(busy.exitCode == 1);
    CHECK(busy.err.find("another stage1ctl backup is running in " + locked.string()) != std::string::npos);

    // A full disk: a 64 KiB tmpfs and a database that does not fit in it. pg_dump's own ENOSPC and
    // a sidecar's ENOSPC take the same path (kind disk_full, nothing left behind).
    const fs::path small = dir.path() / "small";
    fs::create_directory(small);
    if (mount("tmpfs", small.c_str(), "tmpfs", 0, "size=64k") != 0) {
        MESSAGE("cannot mount a tmpfs here (" << std::strerror(errno)
                                              << "): the full-disk case is not exercised");
        return;
    }
    auto conn = database.connect();
    conn.exec(
        "CREATE TABLE filler AS SELECT i, md5(i::text) || md5((i * 7)::text) || md5(random()::text) AS junk "
        "FROM generate_series(1, 20000) i");
    auto full = database.ctl({"backup", "--dir", small.string(), "--json"});
    std::vector<std::string> left = filesIn(small);
    umount2(small.c_str(), MNT_DETACH);
    INFO(full.out << full.err);
    CHECK(full.exitCode == 1);
    json error = json::parse(full.out)["error"];
    CHECK(error["kind"] == "disk_full");
    CHECK(error["message"].get<std::string>().find("No space left on device") != std::string::npos);
    CHECK(left == std::vector<std::string>{".stage1-backup.lock"});
}

TEST_CASE("a role without CREATEDB gets an unverified dump, a clear reason and no pruning") {
    TestDatabase database;
    database.migrate();
    if (!localPgDumpServes(database.connect())) return;
    auto conn = database.connect();
    seed(conn);
    const std::string role = "bk_" + database.name();
    auto admin = database.connect();
    admin.exec("CREATE ROLE " + role + " LOGIN NOCREATEDB");
    admin.exec("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role);
    admin.exec("GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO " + role);
    testsupport::ScratchDir dir;
    const std::string old = database.name() + "-20200101T000000Z.dump";
    testsupport::writeFile(dir.path() / old, "PGDMP old");
    testsupport::writeFile(dir.path() / (old + ".verified"), "{}");

    const std::string dsn = "host=" + testsupport::cluster().socketDir +
                            " port=" + testsupport::cluster().port + " user=" + role +
                            " dbname=" + database.name();
    auto run = ctl({"backup", "--dir", dir.path().string(), "--json", "--dsn", dsn});
    INFO(run.out << run.err);
    CHECK(run.exitCode == 1);
    json report = json::parse(run.out);
    CHECK(report["verify"]["failure"] == "createdb_denied");
    CHECK(report["verify"]["problems"][0].get<std::string>().find("CREATEDB") != std::string::npos);
    CHECK(report["pruned"].empty());
    fs::path fresh;
    for (const auto& name : filesIn(dir.path()))
        if (name != old && app::parseDumpFileName(name, database.name())) fresh = dir.path() / name;
    REQUIRE(!fresh.empty());
    CHECK(fs::exists(fresh.string() + ".sha256"));
    CHECK(!fs::exists(fresh.string() + ".verified"));
    CHECK(fs::exists(dir.path() / old));

    // An operator with CREATEDB verifies it afterwards; the marker appears.
    auto check = database.ctl({"restore-check", fresh.string()});
    INFO(check.out << check.err);
    CHECK(check.exitCode == 0);
    CHECK(fs::exists(fresh.string() + ".verified"));
    admin.exec("DROP OWNED BY " + role);
    admin.exec("DROP ROLE " + role);
}

TEST_CASE("the password reaches pg_dump and pg_restore only through their environment") {
    testsupport::PrivateCluster cluster;
    if (!localPgDumpServes(cluster.admin())) return;
    const std::string password = "pw-Never-On-Argv-7f3a";
    {
        auto admin = cluster.admin();
        admin.query("SELECT set_config('password_encryption', 'scram-sha-256', false)");
        // The password is a fixed test literal; CREATE ROLE takes no parameters.
        admin.exec("CREATE ROLE bk LOGIN CREATEDB PASSWORD '" + password + "'");
        admin.exec("CREATE DATABASE bkdb OWNER bk");
    }
    {
        auto owner = db::Connection::open(cluster.adminParams("bkdb"));
        owner.exec(
            "SET ROLE bk; CREATE TABLE t (x int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 9)");
    }
    cluster.appendHba("host all bk 127.0.0.1/32 scram-sha-256");

    testsupport::ScratchDir bin, dir;
    const std::string log = (bin.path() / "calls.log").string();
    for (const char* program : {"pg_dump", "pg_restore"}) {
        const fs::path wrapper = bin.path() / program;
        testsupport::writeFile(wrapper, "#!/bin/sh\nprintf '%s\\n' \"$0 $*\" >> '" + log +
                                            "'\n[ -n \"$PGPASSWORD\" ] && echo 'PGPASSWORD set' >> '" + log +
                                            "'\nexec '" + realPgBin() + "/" + program + "' \"$@\"\n");
        fs::permissions(wrapper, fs::perms::owner_all);
    }
    auto run =
        ctl({"backup", "--dir", dir.path().string(), "--pg-bin", bin.path().string(), "--host", "127.0.0.1",
             "--port", cluster.port(), "--user", "bk", "--db", "bkdb", "--sslmode", "disable"},
            {{"STAGE1_POSTGRES_PASSWORD", password}, {"PGPASSFILE", "/dev/null"}});
    INFO(run.out << run.err);
    CHECK(run.exitCode == 0);
    const std::string calls = testsupport::readFile(log);
    INFO(calls);
    CHECK(calls.find("pg_dump --format=custom") != std::string::npos);
    CHECK(calls.find("pg_restore --no-owner --exit-on-error") != std::string::npos);
    CHECK(calls.find("PGPASSWORD set\n") != std::string::npos);
    CHECK(calls.find(password) == std::string::npos);
    CHECK((run.out + run.err).find(password) == std::string::npos);
    for (const auto& name : filesIn(dir.path()))
        CHECK_MESSAGE(testsupport::readFile(dir.path() / name).find(password) == std::string::npos, name);
}
