// The systemd files: every unit passes `systemd-analyze verify` with no output
// at all (it exits 0 on unknown keys, so any line is a failure), the socket
// activates the agent service, and sysusers.d + tmpfiles.d create the users and
// directories the units expect (applied to a scratch root, never to this host).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

const fs::path configured_dir = ACISWARM_SYSTEMD_BUILD_DIR;
const fs::path source_dir = ACISWARM_SYSTEMD_SOURCE_DIR;
const std::string install_bindir = ACISWARM_INSTALL_BINDIR;

std::size_t replace_all(std::string& text, const std::string& from, const std::string& to) {
    std::size_t count = 0;
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
        ++count;
    }
    return count;
}

// Copies the configured units into a temp dir with the install bindir pointed
// at a directory holding the built binaries, so verify can check ExecStart.
class SystemdUnits : public ::testing::Test {
  protected:
    void SetUp() override {
        const fs::path bindir = tmp_ / "bin";
        fs::create_directories(bindir);
        ASSERT_TRUE(fs::exists(bin("aciswarm"))) << bin("aciswarm");
        fs::create_symlink(bin("aciswarm"), bindir / "aciswarm");
        // The tracker is another component's binary; when this build has none,
        // stand in an executable so verify still checks the unit itself.
        const fs::path tracker = fs::exists(bin("aciswarm-tracker"))
                                     ? fs::path(bin("aciswarm-tracker"))
                                     : fs::path("/bin/true");
        fs::create_symlink(tracker, bindir / "aciswarm-tracker");
        for (const char* unit :
             {"aciswarm-agent.service", "aciswarm-agent.socket", "aciswarm-tracker.service"}) {
            std::string text = read_file(configured_dir / unit);
            ASSERT_FALSE(std::regex_search(text, std::regex("@[A-Z_]+@")))
                << unit << ": unconfigured @VAR@";
            const std::size_t n = replace_all(text, install_bindir + "/", bindir.string() + "/");
            if (std::string(unit).ends_with(".service")) {
                ASSERT_GE(n, 1U) << unit << " does not run a binary from " << install_bindir;
            }
            write_file(tmp_ / "units" / unit, text);
        }
    }

    RunResult verify(const std::string& unit) {
        // Run from the units dir: verify adds the unit's directory to the search path.
        SpawnOptions opts;
        opts.cwd = (tmp_ / "units").string();
        return run({"systemd-analyze", "verify", (tmp_ / "units" / unit).string()}, opts);
    }

    TempDir tmp_;
};

TEST_F(SystemdUnits, AgentServiceVerifiesWithoutAnyOutput) {
    const RunResult r = verify("aciswarm-agent.service");
    EXPECT_EQ(r.status.code, 0);
    EXPECT_EQ(r.out + r.err, "");
}

TEST_F(SystemdUnits, AgentSocketVerifiesWithoutAnyOutput) {
    const RunResult r = verify("aciswarm-agent.socket");
    EXPECT_EQ(r.status.code, 0);
    EXPECT_EQ(r.out + r.err, "");
}

TEST_F(SystemdUnits, TrackerServiceVerifiesWithoutAnyOutput) {
    const RunResult r = verify("aciswarm-tracker.service");
    EXPECT_EQ(r.status.code, 0);
    EXPECT_EQ(r.out + r.err, "");
}

// The check above can fail: a unit with an unknown key produces output.
TEST_F(SystemdUnits, VerifyReportsAnUnknownKey) {
    std::string text = read_file(tmp_ / "units" / "aciswarm-tracker.service");
    text += "\n[Service]\nNoSuchKey=1\n";
    write_file(tmp_ / "units" / "aciswarm-tracker.service", text);
    const RunResult r = verify("aciswarm-tracker.service");
    EXPECT_NE((r.out + r.err).find("NoSuchKey"), std::string::npos) << r.out << r.err;
}

TEST_F(SystemdUnits, AgentServiceIsNotifyWithWatchdogAndHardening) {
    const std::string text = read_file(configured_dir / "aciswarm-agent.service");
    for (const char* line : {"Type=notify\n", "WatchdogSec=", "StateDirectory=aciswarm\n",
                             "RuntimeDirectory=aciswarm\n", "ProtectSystem=strict\n",
                             "ProtectHome=yes\n", "PrivateTmp=yes\n", "NoNewPrivileges=yes\n",
                             "RestrictAddressFamilies=", "CapabilityBoundingSet=\n",
                             "User=aciswarm\n", "ExecReload=", "LimitNOFILE=65536\n"}) {
        EXPECT_NE(text.find(line), std::string::npos) << "missing " << line;
    }
    const std::string socket = read_file(configured_dir / "aciswarm-agent.socket");
    EXPECT_NE(socket.find("ListenStream=/run/aciswarm/agent.sock\n"), std::string::npos);
    EXPECT_NE(socket.find("SocketMode=0660\n"), std::string::npos);
    EXPECT_NE(socket.find("SocketGroup=aciswarm\n"), std::string::npos);
}

TEST(SystemdFiles, CmakeInstallPutsThemUnderThePrefix) {
    TempDir prefix;
    const RunResult r = run({ACISWARM_CMAKE_COMMAND, "--install", ACISWARM_BUILD_DIR, "--prefix",
                             prefix.path().string()});
    ASSERT_EQ(r.status.code, 0) << r.out << r.err;
    for (const char* file :
         {"lib/systemd/system/aciswarm-agent.service", "lib/systemd/system/aciswarm-agent.socket",
          "lib/systemd/system/aciswarm-tracker.service", "lib/sysusers.d/aciswarm.conf",
          "lib/tmpfiles.d/aciswarm.conf"}) {
        EXPECT_TRUE(fs::is_regular_file(prefix / file)) << file << "\n" << r.out;
    }
}

TEST(SystemdFiles, SysusersAndTmpfilesCreateOwnedDirectoriesInScratchRoot) {
    TempDir root;
    fs::create_directories(root / "etc");
    const RunResult users = run({"systemd-sysusers", "--root=" + root.path().string(),
                                 (source_dir / "aciswarm.sysusers.conf").string()});
    ASSERT_EQ(users.status.code, 0) << users.err;
    const std::string passwd = read_file(root / "etc/passwd");
    // "aciswarm:x:UID:GID:..."
    const auto uid_of = [&](const std::string& name) -> long {
        std::istringstream in(passwd);
        for (std::string line; std::getline(in, line);) {
            if (line.starts_with(name + ":x:")) return std::stol(line.substr(name.size() + 3));
        }
        return -1;
    };
    const long agent_uid = uid_of("aciswarm");
    const long tracker_uid = uid_of("aciswarm-tracker");
    ASSERT_GT(agent_uid, 0) << passwd;
    ASSERT_GT(tracker_uid, 0) << passwd;
    EXPECT_NE(read_file(root / "etc/group").find("aciswarm:x:"), std::string::npos);

    const RunResult dirs = run({"systemd-tmpfiles", "--root=" + root.path().string(), "--create",
                                (source_dir / "aciswarm.tmpfiles.conf").string()});
    ASSERT_EQ(dirs.status.code, 0) << dirs.err;
    EXPECT_EQ(dirs.out + dirs.err, "");
    for (const auto& [dir, uid] :
         {std::pair{"run/aciswarm", agent_uid}, std::pair{"var/lib/aciswarm", agent_uid},
          std::pair{"var/lib/aciswarm-tracker", tracker_uid}}) {
        struct stat st {};
        ASSERT_EQ(::stat((root / dir).c_str(), &st), 0) << dir;
        EXPECT_EQ(static_cast<long>(st.st_uid), uid) << dir;
        EXPECT_EQ(st.st_mode & 07777, 0750U) << dir;
    }
}

}  // namespace
}  // namespace aciswarm::test
