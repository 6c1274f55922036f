// The two .debs as users get them (fixture "deb": cpack on this build tree, then dpkg -x of both):
// where their files land and in which package, what their control files declare (stage1ctl with
// nothing of X11 or OpenGL, stage1-debugger depending on it), and the unpacked stage1ctl against
// the test cluster.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "stage1_version.hpp"
#include "tests/support/test_database.hpp"

namespace fs = std::filesystem;
using testsupport::runProcess;

namespace {

fs::path debTestDir() {
    const char* dir = std::getenv("STAGE1_DEB_TEST_DIR");
    return dir && *dir ? fs::path(dir) : fs::path(STAGE1_DEB_TEST_DIR_DEFAULT);
}

fs::path root() {
    return debTestDir() / "root";
}
fs::path dataDir() {
    return root() / "usr/share/stage1-server-debugger";
}
fs::path docDir() {
    return root() / "usr/share/doc/stage1ctl";
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot read " << path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string gunzip(const fs::path& path) {
    auto r = runProcess({"/bin/gzip", "-dc", path.string()});
    REQUIRE_MESSAGE(r.exitCode == 0, path.string() << ": " << r.err);
    return r.out;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The control fields of one package (unpack_deb.sh wrote them as <package>.control).
std::string controlOf(const std::string& package) {
    return readFile(debTestDir() / (package + ".control"));
}

// The files (not folders) of one package, as "./usr/bin/stage1ctl".
std::set<std::string> filesOf(const std::string& package) {
    std::istringstream lines(readFile(debTestDir() / (package + ".files")));
    std::set<std::string> files;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line.back() != '/') files.insert(line);
    return files;
}

bool anyUnder(const std::set<std::string>& files, const std::string& prefix) {
    return std::any_of(files.begin(), files.end(),
                       [&](const std::string& f) { return f.rfind(prefix, 0) == 0; });
}

// "Depends: a (>= 1), b | c" -> the field's text after "Name: " on its line.
std::string controlField(const std::string& control, const std::string& name) {
    std::istringstream lines(control);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(name + ": ", 0) == 0) return line.substr(name.size() + 2);
    return "";
}

// Every .sql of a source folder has a byte-identical copy in the installed folder.
void checkSameSqlFiles(const std::string& sourceFolder, const fs::path& installed) {
    int files = 0;
    for (const auto& entry :
         fs::directory_iterator(fs::path(STAGE1_SOURCE_DIR_FOR_PACKAGING) / sourceFolder)) {
        if (entry.path().extension() != ".sql") continue;
        ++files;
        fs::path copy = installed / entry.path().filename();
        INFO(copy.string());
        REQUIRE(fs::is_regular_file(copy));
        CHECK(readFile(copy) == readFile(entry.path()));
    }
    CHECK(files > 0);
}

// The command names of `stage1ctl --help` ("  name  summary" lines after "commands:").
std::vector<std::string> listedCommands() {
    auto help = runProcess({(root() / "usr/bin/stage1ctl").string(), "--help"});
    REQUIRE(help.exitCode == 0);
    std::istringstream lines(help.out);
    std::vector<std::string> names;
    bool inCommands = false;
    for (std::string line; std::getline(lines, line);) {
        if (line == "commands:") {
            inCommands = true;
        } else if (inCommands && line.empty()) {
            break;
        } else if (inCommands) {
            size_t end = line.find("  ", 2);  // names may hold one space ("config show"), never two
            names.push_back(line.substr(2, end - 2));
        }
    }
    return names;
}

}  // namespace

TEST_CASE("the unpacked programs print the project version and per-command help") {
    auto version = runProcess({(root() / "usr/bin/stage1ctl").string(), "--version"});
    CHECK(version.exitCode == 0);
    CHECK(version.out == std::string("stage1ctl ") + STAGE1_VERSION + "\n");
    auto help = runProcess({(root() / "usr/bin/stage1ctl").string(), "help", "replay-spool"});
    CHECK(help.exitCode == 0);
    CHECK(contains(help.out, "usage: stage1ctl replay-spool [options] <file>"));
    if (STAGE1_PACKAGE_HAS_WINDOW) {
        // --version answers before any window opens: no display needed.
        auto window =
            runProcess({(root() / "usr/bin/stage1-debugger").string(), "--version"}, {{"DISPLAY", ""}});
        CHECK(window.exitCode == 0);
        CHECK(window.out == std::string("stage1-debugger ") + STAGE1_VERSION + "\n");
    }
}

TEST_CASE(
    "the unpacked stage1ctl migrates a fresh database and its installed migrations match the built-in ones") {
    testsupport::TestDatabase database;
    const std::string ctl = (root() / "usr/bin/stage1ctl").string();
    auto migrate = runProcess({ctl, "migrate", "--dsn", database.dsn()});
    INFO(migrate.err);
    REQUIRE(migrate.exitCode == 0);
    // The ledger holds the built-in files' sha256: the installed copies must give the same.
    auto status = runProcess(
        {ctl, "status", "--migrations-dir", (dataDir() / "migrations").string(), "--dsn", database.dsn()});
    INFO(status.out << status.err);
    CHECK(status.exitCode == 0);
    CHECK(contains(status.out, "0 pending, 0 mismatched"));
}

TEST_CASE("the package puts programs, manual pages, desktop entry, icons, SQL, ops and docs in place") {
    CHECK(fs::is_regular_file(root() / "usr/bin/stage1ctl"));
    std::string manual = gunzip(root() / "usr/share/man/man1/stage1ctl.1.gz");
    CHECK(contains(manual, ".TH STAGE1CTL 1"));
    CHECK(contains(manual, std::string("stage1-server-debugger ") + STAGE1_VERSION));
    // Every command the binary lists has its entry (roff spells "-" as "\\-").
    std::vector<std::string> commands = listedCommands();
    CHECK(commands.size() >= 15);
    for (std::string command : commands) {
        for (size_t at = command.find('-'); at != std::string::npos; at = command.find('-', at + 2))
            command.insert(at, "\\");
        CHECK_MESSAGE((contains(manual, ".B " + command + " ") || contains(manual, ".B " + command + "\n")),
                      command);
    }

    checkSameSqlFiles("db/migrations", dataDir() / "migrations");
    checkSameSqlFiles("db/checks", dataDir() / "checks");
    checkSameSqlFiles("db/scripts", dataDir() / "scripts");

    // The example units call the packaged binary and point at the packaged runbook.
    std::string backupUnit = readFile(dataDir() / "ops/stage1-backup.service");
    CHECK(contains(backupUnit, "ExecStart=/usr/bin/stage1ctl backup"));
    CHECK(contains(backupUnit, "Documentation=file:/usr/share/doc/stage1ctl/RUNBOOK.md"));
    for (const char* file : {"stage1-backup.timer", "stage1-replay-spool.service",
                             "stage1-replay-spool.timer", "crontab.example"})
        CHECK_MESSAGE(fs::is_regular_file(dataDir() / "ops" / file), file);
    CHECK(!contains(readFile(dataDir() / "ops/crontab.example"), "/usr/local/bin"));

    for (const char* doc :
         {"README.md", "RUNBOOK.md", "PERFORMANCE.md", "DEPLOYMENT_CHECKLIST.md", "copyright"})
        CHECK_MESSAGE(fs::is_regular_file(docDir() / doc), doc);
    CHECK(contains(gunzip(docDir() / "changelog.gz"),
                   std::string("stage1-server-debugger (") + STAGE1_VERSION + ")"));
    // bash-completion loads it by the command's name, on the first <Tab> after "stage1ctl ".
    std::string completion = readFile(root() / "usr/share/bash-completion/completions/stage1ctl");
    CHECK(contains(completion, "complete -F _stage1ctl stage1ctl"));

    if (STAGE1_PACKAGE_HAS_WINDOW) {
        CHECK(fs::is_regular_file(root() / "usr/bin/stage1-debugger"));
        for (const char* doc : {"copyright", "changelog.gz"})
            CHECK_MESSAGE(fs::is_regular_file(root() / "usr/share/doc/stage1-debugger" / doc), doc);
        CHECK(contains(gunzip(root() / "usr/share/man/man1/stage1-debugger.1.gz"), ".TH STAGE1-DEBUGGER 1"));
        std::string desktop = readFile(root() / "usr/share/applications/stage1-debugger.desktop");
        CHECK(contains(desktop, "\nExec=stage1-debugger\n"));
        CHECK(contains(desktop, "\nIcon=stage1-debugger\n"));
        CHECK(
            contains(readFile(root() / "usr/share/icons/hicolor/scalable/apps/stage1-debugger.svg"), "<svg"));
        for (const char* size : {"64x64", "256x256"}) {
            std::string png =
                readFile(root() / "usr/share/icons/hicolor" / size / "apps/stage1-debugger.png");
            CHECK_MESSAGE(png.rfind("\x89PNG", 0) == 0, size);
        }
    }
    // Everything under /usr: nothing in /usr/local, /etc or /opt.
    for (const auto& entry : fs::directory_iterator(root()))
        CHECK_MESSAGE(entry.path().filename() == "usr", entry.path().string());
    CHECK(!fs::exists(root() / "usr/local"));
}

TEST_CASE("the installed bash completion is what the unpacked stage1ctl writes from its option tables") {
    auto script = runProcess({(root() / "usr/bin/stage1ctl").string(), "completion", "bash"});
    REQUIRE(script.exitCode == 0);
    CHECK(readFile(root() / "usr/share/bash-completion/completions/stage1ctl") == script.out);
}

TEST_CASE("stage1ctl's control file: the CLI's runtime dependencies and nothing of X11, GLFW or OpenGL") {
    std::string control = controlOf("stage1ctl");
    INFO(control);
    CHECK(controlField(control, "Package") == "stage1ctl");
    CHECK(controlField(control, "Source") == "stage1-server-debugger");
    CHECK(controlField(control, "Version") == STAGE1_VERSION);
    CHECK(controlField(control, "Section") == "database");
    CHECK(contains(controlField(control, "Maintainer"), "@"));
    CHECK(contains(controlField(control, "Description"), "operator CLI"));
    // It takes over from the one package of earlier builds, which held the same files.
    CHECK(controlField(control, "Replaces") == "stage1-server-debugger");
    CHECK(controlField(control, "Conflicts") == "stage1-server-debugger");
    // dpkg-shlibdeps' libraries, then what it cannot see: ssh, pg_dump/pg_restore.
    std::string depends = controlField(control, "Depends");
    for (const char* package : {"libc6", "libstdc++6", "libpq5", "libssl3", "openssh-client",
                                "postgresql-client-15 | postgresql-client (>= 15)"})
        CHECK_MESSAGE(contains(depends, package), package);
    // The database host has no display: nothing of the window's stack.
    for (const char* part : {"glfw", "libgl", "libopengl", "libegl", "libglx", "mesa", "libx11", "libxcb",
                             "libxext", "wayland", "libstb", "imgui", "stage1-debugger"})
        CHECK_MESSAGE(!contains(depends, part), part);
}

TEST_CASE(
    "stage1ctl's dependencies, followed through apt's package graph, reach no X11, GLFW or Mesa library") {
    // What `apt install stage1ctl` (without Recommends) brings onto a headless server: the closure
    // of the Depends line in this machine's package lists. Alternatives count as all taken.
    std::vector<std::string> argv = {"/usr/bin/apt-cache", "depends",       "--recurse",
                                     "--no-recommends",    "--no-suggests", "--no-conflicts",
                                     "--no-breaks",        "--no-replaces", "--no-enhances"};
    std::string depends = controlField(controlOf("stage1ctl"), "Depends");
    for (char& c : depends)
        if (c == ',' || c == '|') c = ' ';
    std::istringstream words(depends);
    for (std::string w; words >> w;)
        if (w[0] != '(' && w.back() != ')') argv.push_back(w.substr(0, w.find(':')));
    auto closure = runProcess(argv);
    if (closure.exitCode != 0 || closure.out.empty()) {
        MESSAGE("apt-cache has no package lists here (apt-get update): skipped. " << closure.err);
        return;
    }
    std::istringstream lines(closure.out);
    int packages = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == ' ') continue;  // "  Depends: x" lines; packages start the line
        ++packages;
        for (const char* part : {"libglfw", "libgl1", "libglx", "libopengl", "libegl", "mesa", "libx11",
                                 "libxcb", "libxext", "libwayland", "libdrm"})
            CHECK_MESSAGE(line.find(part) == std::string::npos, line);
    }
    CHECK(packages > 5);
}

TEST_CASE(
    "stage1-debugger's control file depends on stage1ctl of the same version and on the window's libraries") {
    if (!STAGE1_PACKAGE_HAS_WINDOW) {
        CHECK(!fs::exists(debTestDir() / "stage1-debugger.control"));
        return;
    }
    std::string control = controlOf("stage1-debugger");
    INFO(control);
    CHECK(controlField(control, "Package") == "stage1-debugger");
    CHECK(controlField(control, "Source") == "stage1-server-debugger");
    CHECK(controlField(control, "Version") == STAGE1_VERSION);
    CHECK(contains(controlField(control, "Description"), "desktop window"));
    CHECK(controlField(control, "Replaces") == "stage1-server-debugger");
    std::string depends = controlField(control, "Depends");
    CHECK(contains(depends, std::string("stage1ctl (= ") + STAGE1_VERSION + ")"));
    // dpkg-shlibdeps' libraries, then libGL.so.1, which imgui's OpenGL loader opens with dlopen.
    for (const char* package : {"libc6", "libstdc++6", "libpq5", "libglfw3", "libgl1"})
        CHECK_MESSAGE(contains(depends, package), package);
    CHECK(!contains(depends, "imgui"));  // linked statically
}

TEST_CASE("each file is in exactly one package: the CLI's in stage1ctl, the window's in stage1-debugger") {
    std::set<std::string> cli = filesOf("stage1ctl");
    for (const char* file : {"./usr/bin/stage1ctl", "./usr/share/man/man1/stage1ctl.1.gz",
                             "./usr/share/bash-completion/completions/stage1ctl",
                             "./usr/share/stage1-server-debugger/ops/stage1-backup.service",
                             "./usr/share/stage1-server-debugger/checks/postgres_checks.sql",
                             "./usr/share/doc/stage1ctl/RUNBOOK.md", "./usr/share/doc/stage1ctl/copyright"})
        CHECK_MESSAGE(cli.count(file), file);
    CHECK(anyUnder(cli, "./usr/share/stage1-server-debugger/migrations/"));
    for (const char* windowPart :
         {"./usr/bin/stage1-debugger", "./usr/share/applications/", "./usr/share/icons/",
          "./usr/share/man/man1/stage1-debugger", "./usr/share/doc/stage1-debugger/"})
        CHECK_MESSAGE(!anyUnder(cli, windowPart), windowPart);
    if (!STAGE1_PACKAGE_HAS_WINDOW) return;
    std::set<std::string> window = filesOf("stage1-debugger");
    for (const char* file : {"./usr/bin/stage1-debugger", "./usr/share/man/man1/stage1-debugger.1.gz",
                             "./usr/share/applications/stage1-debugger.desktop",
                             "./usr/share/icons/hicolor/scalable/apps/stage1-debugger.svg",
                             "./usr/share/doc/stage1-debugger/copyright"})
        CHECK_MESSAGE(window.count(file), file);
    // dpkg refuses to install two packages that ship the same file.
    for (const auto& file : window) CHECK_MESSAGE(!cli.count(file), file);
}
