// common/process_tls: SSL_CERT_FILE is set only to a readable regular file,
// overriding an inherited value; a bad path leaves the environment alone and
// the error names the option.
#include "common/process_tls.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace aciswarm {
namespace {

namespace fs = std::filesystem;

// Restores SSL_CERT_FILE after each test (the tests run on one thread).
class ProcessTls : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const char* v = std::getenv("SSL_CERT_FILE")) saved_ = v;
        std::string tmpl = (fs::temp_directory_path() / "process_tls.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        if (saved_) {
            ::setenv("SSL_CERT_FILE", saved_->c_str(), 1);
        } else {
            ::unsetenv("SSL_CERT_FILE");
        }
        fs::remove_all(dir_);
    }
    std::optional<std::string> saved_;
    fs::path dir_;
};

TEST_F(ProcessTls, SetsSslCertFileOverridingAnInheritedValue) {
    ::setenv("SSL_CERT_FILE", "/nonexistent/system-bundle.pem", 1);
    const std::string ca = (dir_ / "ca.pem").string();
    std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\n";
    ASSERT_TRUE(set_process_ca_file(ca, "--ca-file " + ca));
    ASSERT_NE(std::getenv("SSL_CERT_FILE"), nullptr);
    EXPECT_EQ(std::string(std::getenv("SSL_CERT_FILE")), ca);
}

TEST_F(ProcessTls, RefusesAMissingFileOrADirectoryAndLeavesTheEnvironment) {
    ::setenv("SSL_CERT_FILE", "/inherited.pem", 1);
    auto missing = set_process_ca_file((dir_ / "missing.pem").string(), "--ca-file x");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_EQ(missing.error().message.rfind("--ca-file x: ", 0), 0u) << missing.error().message;
    auto directory = set_process_ca_file(dir_.string(), "--ca-file d");
    ASSERT_FALSE(directory);
    EXPECT_EQ(directory.error().code, Errc::unsupported);
    EXPECT_EQ(std::string(std::getenv("SSL_CERT_FILE")), "/inherited.pem");
}

}  // namespace
}  // namespace aciswarm
