// The agent daemon's web page and /metrics (--web), against real daemons on
// loopback: daemon A seeds an image from its store; daemon B fetches it from A
// alone (no tracker, no web seed).
//  - /metrics of both, parsed by prometheus_client's parser (check_metrics.py) and
//    linted by promtool:
//    A counts the image, the torrent seeding and bytes uploaded; B counts one
//    fetch done, its duration, and every byte as from peers;
//  - the page in headless Chromium (--dump-dom): the image's row with its name,
//    os/arch and policy; a version label that is markup is shown as text (no img
//    element); only the page's own two scripts; a screenshot for docs/web.md;
//  - headers (CSP, nosniff), read-only (POST is 405), --web off by default.
// Skipped, saying so, when chromium is not installed.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "tests/integration/daemon/daemon_process.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const char* const kChromium = "/usr/bin/chromium";
const char* const kHostileVersion = "1.0<img src=x onerror=alert(1)>";

struct Published {
    fs::path torrent;
    std::string image_id;
    std::uint64_t size = 0;
};

// An ACI with a manifest of our own (a label value that is markup), its
// .torrent, both imported into `store_dir`.
Published publish(const fs::path& work, const fs::path& store_dir) {
    const fs::path src = work / "src";
    fs::create_directories(src / "rootfs");
    write_file(src / "manifest",
               std::string(R"({"acKind":"ImageManifest","acVersion":"0.8.11",)") +
                   R"("name":"example.com/web-app","labels":[{"name":"version","value":")" +
                   kHostileVersion +
                   R"("},{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}]})");
    write_file(src / "rootfs" / "payload.bin", std::string(600000, 'w'));
    const fs::path aci = work / "web-app.aci";
    const RunResult tar =
        run({"tar", "-cf", aci.string(), "-C", src.string(), "manifest", "rootfs"});
    if (tar.status.code != 0) throw std::runtime_error("tar: " + tar.err);
    auto t = torrent::create_torrent(aci, {});
    if (!t) throw std::runtime_error(t.error().message);
    Published p;
    p.torrent = work / "web-app.aci.torrent";
    write_file(p.torrent, t->bytes);
    const ImportedImage imported = import_with_torrent(store_dir, aci, t->bytes, t->info_hashes);
    p.image_id = imported.image_id;
    p.size = imported.size;
    return p;
}

// The base URL the daemon logged for --web ("" when it did not).
std::string web_base(Process& daemon) {
    if (!saw_stderr(daemon, "listening web http://127\\.0\\.0\\.1:[0-9]+/", 10s)) return "";
    std::smatch m;
    const std::string& err = daemon.stderr_text();
    if (!std::regex_search(err, m, std::regex("listening web (http://127\\.0\\.0\\.1:[0-9]+)/")))
        return "";
    return m[1];
}

std::string curl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"curl", "-s", "-i", "--max-time", "10"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {}, 20s).out;
}

// The samples check_metrics.py parsed, one per line.
std::string parsed_metrics(const std::string& base) {
    auto r = run({"/usr/bin/python3",
                  std::string(ACISWARM_SOURCE_DIR) + "/tests/integration/web/check_metrics.py",
                  base + "/metrics"},
                 {}, 30s);
    EXPECT_EQ(r.status.code, 0) << r.out << r.err;
    return r.out;
}

// Prometheus's own linter on `url` (names, types, help, units): no complaint.
void promtool_accepts(const std::string& url) {
    if (!fs::exists("/usr/bin/promtool")) {
        ADD_FAILURE() << "/usr/bin/promtool is not installed (scripts/install-deps.sh installs it)";
        return;
    }
    auto r =
        run({"sh", "-c", "curl -sf --max-time 10 '" + url + "' | promtool check metrics"}, {}, 30s);
    EXPECT_EQ(r.status.code, 0) << r.out << r.err;
    EXPECT_EQ(r.out + r.err, "") << url;
}

// The value of sample `name{labels}` (as check_metrics.py prints it), or -1.
double value_of(const std::string& text, const std::string& sample) {
    const auto at = ("\n" + text).find("\n" + sample + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + sample.size() + 1));
}

void check_page_in_chromium(const fs::path& work, const std::string& base, const Published& img) {
    auto dom = run({kChromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--user-data-dir=" + (work / "chromium").string(),
                    // Time for the page's own polls to run and redraw the rows.
                    "--virtual-time-budget=3000", "--dump-dom", base + "/"},
                   {}, 120s);
    ASSERT_EQ(dom.status.code, 0) << dom.err;
    const std::regex row("<tr id=\"image-" + img.image_id +
                         "\"[^>]*>.*?example\\.com/web-app.*?1\\.0&lt;img src=x "
                         "onerror=alert\\(1\\)&gt;.*?linux/amd64.*?not verified.*?idle=1d");
    EXPECT_TRUE(std::regex_search(dom.out, row)) << dom.out;
    std::size_t imgs = 0, scripts = 0;
    for (auto at = dom.out.find("<img"); at != std::string::npos; at = dom.out.find("<img", at + 1))
        ++imgs;
    for (auto at = dom.out.find("<script"); at != std::string::npos;
         at = dom.out.find("<script", at + 1))
        ++scripts;
    EXPECT_EQ(imgs, 0u) << dom.out;
    // The page's polls (agent.js) ran without an error (poll() marks the body).
    EXPECT_EQ(dom.out.find("data-error"), std::string::npos) << dom.out;
    EXPECT_NE(dom.out.find("<polyline"), std::string::npos) << "no chart drawn: " << dom.out;
    EXPECT_EQ(scripts, 2u) << dom.out;  // /web/common.js, /web/agent.js

    const fs::path shot = work / "web-agent.png";
    auto png =
        run({kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--user-data-dir=" + (work / "chromium-shot").string(), "--window-size=1400,900",
             "--virtual-time-budget=3000", "--screenshot=" + shot.string(), base + "/"},
            {}, 120s);
    ASSERT_EQ(png.status.code, 0) << png.err;
    EXPECT_GT(fs::file_size(shot), 10000u);
    if (const char* keep = std::getenv("ACISWARM_WEB_AGENT_SCREENSHOT"))
        fs::copy_file(shot, keep, fs::copy_options::overwrite_existing);
}

TEST(AgentWeb, PageAndMetricsOfASeedingAndAFetchingDaemon) {
    TempDir dir;
    const DaemonDirs a{dir / "a"};
    const DaemonDirs b{dir / "b"};
    fs::create_directories(dir / "work");
    const Published img = publish(dir / "work", a.store());

    Process da = start_daemon(a, {"--web=127.0.0.1:0"});
    const int port_a = wait_daemon_ready(da);
    ASSERT_GT(port_a, 0) << da.stderr_text();
    const std::string base_a = web_base(da);
    ASSERT_FALSE(base_a.empty()) << da.stderr_text();
    ASSERT_TRUE(saw_stderr(da, "seeding " + img.image_id.substr(0, 39), 20s)) << da.stderr_text();

    Process db = start_daemon(b, {"--web=127.0.0.1:0"});
    ASSERT_GT(wait_daemon_ready(db), 0) << db.stderr_text();
    const std::string base_b = web_base(db);
    ASSERT_FALSE(base_b.empty()) << db.stderr_text();
    auto reply = api_call(b,
                          {{"op", "fetch"},
                           {"source", img.torrent.string()},
                           {"peers", {"127.0.0.1:" + std::to_string(port_a)}}},
                          nullptr, 60s);
    ASSERT_TRUE(reply.value("ok", false)) << reply.dump() << db.stderr_text();

    const double size = static_cast<double>(img.size);
    const std::string mb = parsed_metrics(base_b);
    EXPECT_EQ(value_of(mb, "aciswarm_agent_fetches_total{result=done}"), 1) << mb;
    EXPECT_EQ(value_of(mb, "aciswarm_agent_fetches_total{result=failed}"), 0) << mb;
    EXPECT_EQ(value_of(mb, "aciswarm_agent_fetch_duration_seconds_count{}"), 1) << mb;
    EXPECT_EQ(value_of(mb, "aciswarm_agent_fetch_duration_seconds_bucket{le=+Inf}"), 1) << mb;
    EXPECT_GE(value_of(mb, "aciswarm_agent_received_bytes_total{source=peers}"), size) << mb;
    EXPECT_EQ(value_of(mb, "aciswarm_agent_received_bytes_total{source=web_seed}"), 0) << mb;
    EXPECT_EQ(value_of(mb, "aciswarm_agent_images{}"), 1) << mb;

    // The seeder's per-image bookkeeping follows the engine at its next tick: poll.
    const std::string ratio_a =
        "aciswarm_agent_seeding_ratio{image=" + img.image_id + ",name=example.com/web-app}";
    std::string ma = parsed_metrics(base_a);
    for (const auto until = std::chrono::steady_clock::now() + 15s;
         value_of(ma, ratio_a) < 1.0 && std::chrono::steady_clock::now() < until;) {
        ma = parsed_metrics(base_a);
    }
    EXPECT_EQ(value_of(ma, "aciswarm_agent_images{}"), 1) << ma;
    EXPECT_EQ(value_of(ma, "aciswarm_agent_images_seeding{}"), 1) << ma;
    EXPECT_GE(value_of(ma, "aciswarm_agent_uploaded_bytes_total{}"), size) << ma;
    EXPECT_GE(value_of(ma, ratio_a), 1.0) << ma;
    promtool_accepts(base_a + "/metrics");
    promtool_accepts(base_b + "/metrics");

    const std::string page = curl({base_a + "/"});
    EXPECT_NE(page.find("HTTP/1.1 200"), std::string::npos) << page;
    EXPECT_NE(page.find("Content-Security-Policy: default-src 'none'"), std::string::npos) << page;
    EXPECT_NE(page.find("X-Content-Type-Options: nosniff"), std::string::npos) << page;
    EXPECT_NE(curl({"-X", "POST", "-d", "x", base_a + "/"}).find("HTTP/1.1 405"),
              std::string::npos);
    EXPECT_NE(curl({base_a + "/nothing"}).find("HTTP/1.1 404"), std::string::npos);

    if (!fs::exists(kChromium)) {
        GTEST_SKIP() << kChromium << " is not installed (scripts/install-deps.sh installs it)";
    }
    check_page_in_chromium(dir.path(), base_a, img);
    for (Process* d : {&da, &db}) {
        d->signal(SIGTERM);
        EXPECT_TRUE(d->wait(20s));
    }
}

TEST(AgentWeb, OffByDefault) {
    TempDir dir;
    const DaemonDirs a{dir / "a"};
    Process da = start_daemon(a);
    ASSERT_GT(wait_daemon_ready(da), 0) << da.stderr_text();
    EXPECT_EQ(da.stderr_text().find("listening web"), std::string::npos) << da.stderr_text();
    da.signal(SIGTERM);
    EXPECT_TRUE(da.wait(20s));
}

}  // namespace
}  // namespace aciswarm::test
