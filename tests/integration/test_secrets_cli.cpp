// stage1ctl with a real SCRAM password (STAGE1_POSTGRES_PASSWORD, --dsn password=..., a URI):
// browse, backfill, config, doctor, and the failures around them. The password appears in no
// output and in no file under HOME / XDG_*; a connection string quoted in an error is masked.
#include <doctest/doctest.h>

#include "tests/support/password_cluster.hpp"

using testsupport::PasswordCluster;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

struct CtlSession {
    PasswordCluster& pg;
    testsupport::ScratchDir home;
    std::string transcript;  // every stdout and stderr, for the final search

    std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
        const auto h = home.path();
        extra.emplace("HOME", h.string());
        extra.emplace("XDG_CONFIG_HOME", (h / "config").string());
        extra.emplace("XDG_DATA_HOME", (h / "data").string());
        extra.emplace("XDG_STATE_HOME", (h / "state").string());
        extra.emplace("XDG_CACHE_HOME", (h / "cache").string());
        extra.emplace("PGPASSFILE", (h / "no.pgpass").string());
        extra.emplace("STAGE1_SPOOL_PATH", "");
        return extra;
    }

    testsupport::ProcessResult run(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& extra,
                                   const std::string& stdinData = "") {
        auto r = testsupport::runStage1ctl(args, env(extra), stdinData);
        transcript += r.out + r.err;
        CHECK_FALSE(contains(r.out, PasswordCluster::kPassword));
        CHECK_FALSE(contains(r.err, PasswordCluster::kPassword));
        return r;
    }
};

}  // namespace

TEST_CASE("stage1ctl with a password: browse, backfill, config and doctor leave the password nowhere") {
    PasswordCluster pg;
    CtlSession s{pg, {}, {}};
    const std::string pw = PasswordCluster::kPassword;
    const std::map<std::string, std::string> viaEnv = {
        {"STAGE1_POSTGRES_HOST", "127.0.0.1"},  {"STAGE1_POSTGRES_PORT", pg.port()},
        {"STAGE1_POSTGRES_USER", "stage1_app"}, {"STAGE1_POSTGRES_DB", PasswordCluster::kDatabase},
        {"STAGE1_POSTGRES_SSLMODE", "disable"}, {"STAGE1_POSTGRES_PASSWORD", pw}};
    const std::string dsn = pg.appDsnWithoutPassword() + " password=" + pw;
    const std::string uri = "postgresql://stage1_app:" + pw + "@127.0.0.1:" + pg.port() + "/" +
                            PasswordCluster::kDatabase + "?sslmode=disable";

    // Without the password the server refuses (so the runs below prove it was used).
    auto none = s.run({"status", "--dsn", pg.appDsnWithoutPassword()}, {});
    CHECK(none.exitCode == 3);
    CHECK(contains(none.err, "no password supplied"));

    int slug = 0;
    for (const auto& [how, extraArgs, extraEnv] :
         std::vector<std::tuple<std::string, std::vector<std::string>, std::map<std::string, std::string>>>{
             {"STAGE1_POSTGRES_PASSWORD", {}, viaEnv},
             {"--dsn password=", {"--dsn", dsn}, {}},
             {"--dsn URI", {"--dsn", uri}, {}}}) {
        CAPTURE(how);
        auto with = [&, extraArgs = extraArgs](std::vector<std::string> args) {
            args.insert(args.end(), extraArgs.begin(), extraArgs.end());
            return args;
        };
        auto status = s.run(with({"status"}), extraEnv);
        INFO(status.err);
        CHECK(status.exitCode == 0);
        auto doctor = s.run(with({"doctor", "--json"}), extraEnv);
        CHECK(contains(doctor.out, "stage1_app"));
        auto datasets = s.run(with({"datasets", "--json"}), extraEnv);
        CHECK(datasets.exitCode == 0);
        const std::string newSlug = "secret_test_" + std::to_string(slug++);
        auto backfill = s.run(with({"backfill-dataset", "--slug", newSlug}), extraEnv);
        CHECK(backfill.exitCode == 0);
        CHECK(contains(backfill.out, "created: " + newSlug));
        auto runs = s.run(with({"runs", "--dataset", newSlug}), extraEnv);
        CHECK(runs.exitCode == 0);
        auto find = s.run(with({"config", "find"}), extraEnv,
                          "# stage1 run-config v1\n\n[features]\nrsi_14\n\n[hyperparameters]\n\n[walk]\n");
        CHECK(find.exitCode == 1);  // no such run: connected, searched, found none
        CHECK(contains(find.out, "(0 matches)"));

        // Failures print libpq's reason and the target, never the password.
        auto wrongDb = s.run(with({"status", "--db", "no_such_db"}), extraEnv);
        CHECK(wrongDb.exitCode == 3);
        CHECK(contains(wrongDb.err, "stage1_app@127.0.0.1:" + pg.port() + "/no_such_db"));
    }
    auto wrongPassword =
        s.run({"status", "--dsn", pg.appDsnWithoutPassword() + " password=" + pw + "-wrong"}, {});
    CHECK(wrongPassword.exitCode == 3);
    CHECK(contains(wrongPassword.err, "password authentication failed"));
    CHECK_FALSE(contains(wrongPassword.err, pw + "-wrong"));

    // Malformed connection strings are quoted back by libpq: the password shows as ****.
    for (const std::string& bad : {"postgresql://stage1_app:" + pw + "@[::1",
                                   "postgresql://stage1_app:" + pw + "@127.0.0.1:5432/db?bogus=1",
                                   "host=127.0.0.1 password=" + pw + " nonsense",
                                   "host=127.0.0.1 password='" + pw + " unterminated"}) {
        CAPTURE(bad.substr(0, 30));
        auto r = s.run({"status", "--dsn", bad}, {});
        CHECK(r.exitCode == 2);
        CHECK(contains(r.err, "--dsn is not a valid"));
    }
    auto masked = s.run({"status", "--dsn", "postgresql://stage1_app:" + pw + "@[::1"}, {});
    CHECK(contains(masked.err, "postgresql://stage1_app:****@[::1"));
    auto quest = s.run({"validate", "--questdb", "postgresql://admin:" + pw + "@[::1", "--dsn", dsn}, {});
    CHECK(quest.exitCode == 2);
    CHECK(contains(quest.err, "postgresql://admin:****@[::1"));

    CHECK_FALSE(contains(s.transcript, pw));
    const auto files = testsupport::filesUnder(s.home.path());
    INFO("files written under HOME/XDG: " << files.size());
    CHECK(testsupport::filesContaining(s.home.path(), pw).empty());
    // The search itself finds a password where there is one.
    testsupport::writeFile(s.home.path() / "canary", "x" + pw + "y");
    CHECK(testsupport::filesContaining(s.home.path(), pw).size() == 1);
}
