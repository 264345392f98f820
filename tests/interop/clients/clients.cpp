#include "tests/interop/clients/clients.hpp"

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Control ports on the client namespace's own loopback: nothing else runs there.
constexpr const char* transmission_rpc = "127.0.0.1:9091";
constexpr const char* qbittorrent_webui = "http://127.0.0.1:8080";
constexpr int peer_port = 6881;

bool is_magnet(const std::string& source) {
    return source.starts_with("magnet:");
}

std::string tail(const std::string& text, std::size_t n = 4000) {
    return text.size() <= n ? text : "…" + text.substr(text.size() - n);
}

std::string read_if_exists(const fs::path& path) {
    std::error_code ec;
    return fs::exists(path, ec) ? read_file(path) : std::string();
}

// transmission-daemon in the foreground, with its own config dir; RPC without
// auth on the namespace's loopback (its default whitelist is 127.0.0.1).
class Transmission : public BitTorrentClient {
  public:
    Transmission(const NetLab& lab, fs::path work) : lab_(lab), work_(std::move(work)) {}
    ~Transmission() override {
        if (daemon_) {
            daemon_->signal(SIGTERM);
            if (!daemon_->wait(10s)) daemon_->signal(SIGKILL);
        }
    }

    std::string start() override {
        fs::create_directories(work_ / "config");
        fs::create_directories(work_ / "downloads");
        daemon_ = Process::spawn(lab_.in_client(
            {"transmission-daemon", "--foreground", "--config-dir", (work_ / "config").string(),
             "--no-auth", "--port", "9091", "--peerport", std::to_string(peer_port), "--no-dht",
             "--no-lpd", "--no-portmap", "--no-utp", "--encryption-preferred", "--download-dir",
             (work_ / "downloads").string(), "--log-info"}));
        auto ready = poll_until(
            remote({"--list"}), [](const std::string&) { return true; }, 20s);
        if (!ready) return "transmission-daemon never answered on " + std::string(transmission_rpc);
        return "";
    }

    std::string download(const std::string& source, const fs::path& dir,
                         std::chrono::seconds deadline) override {
        fs::create_directories(dir);
        if (auto e = add(source, dir); !e.empty()) return e;
        // "Percent Done: 100%" is every wanted piece verified; transmission renames
        // a file from NAME.part to NAME once it is complete.
        static const std::regex done("Percent Done: 100%");
        static const std::regex name_line("\\n\\s*Name: ([^\\n]+)\\n");
        auto info = poll_until(
            remote({"--torrent", "all", "--info"}),
            [&](const std::string& out) {
                std::smatch m;
                if (!std::regex_search(out, done) || !std::regex_search(out, m, name_line))
                    return false;
                std::error_code ec;
                return fs::exists(dir / m[1].str(), ec);
            },
            deadline);
        if (!info)
            return "transmission did not finish within " + std::to_string(deadline.count()) +
                   " s:\n" + status();
        return "";
    }

    std::string seed(const fs::path& torrent, const fs::path& content_dir,
                     std::chrono::seconds deadline) override {
        if (auto e = add(torrent.string(), content_dir); !e.empty()) return e;
        // Added with its data in place: transmission verifies it, then seeds.
        auto info = poll_until(
            remote({"--torrent", "all", "--info"}),
            [](const std::string& out) {
                return out.find("Percent Done: 100%") != std::string::npos &&
                       out.find("State: Verifying") == std::string::npos &&
                       out.find("State: Will Verify") == std::string::npos;
            },
            deadline);
        if (!info) return "transmission did not verify the seed data:\n" + status();
        return "";
    }

    std::string diagnostics() override {
        std::string out = "transmission status:\n" + status();
        if (daemon_) {
            daemon_->running();
            out += "\ntransmission-daemon log:\n" + tail(daemon_->stdout_text()) +
                   tail(daemon_->stderr_text());
        }
        return out;
    }

  private:
    std::vector<std::string> remote(std::vector<std::string> args) const {
        std::vector<std::string> argv{"transmission-remote", transmission_rpc};
        argv.insert(argv.end(), args.begin(), args.end());
        return lab_.in_client(argv);
    }
    std::string add(const std::string& source, const fs::path& dir) {
        auto r = run(remote({"--add", source, "--download-dir", dir.string()}), {}, 20s);
        if (r.status.code != 0 || r.out.find("success") == std::string::npos) {
            return "transmission-remote --add " + source.substr(0, 80) + ": " + r.out + r.err;
        }
        return "";
    }
    std::string status() {
        auto r = run(remote({"--torrent", "all", "--info"}), {}, 10s);
        return r.out + r.err;
    }

    const NetLab& lab_;
    fs::path work_;
    std::optional<Process> daemon_;
};

// aria2c: a download runs until the file is complete (--seed-time=0); a seed
// runs until the test ends. DHT, LPD and PEX off: the tracker is the only way
// peers meet.
class Aria2 : public BitTorrentClient {
  public:
    Aria2(const NetLab& lab, fs::path work) : lab_(lab), work_(std::move(work)) {}
    ~Aria2() override {
        if (seeder_) {
            seeder_->signal(SIGTERM);
            if (!seeder_->wait(10s)) seeder_->signal(SIGKILL);
        }
    }

    std::string start() override {
        fs::create_directories(work_);
        return "";
    }

    std::string download(const std::string& source, const fs::path& dir,
                         std::chrono::seconds deadline) override {
        fs::create_directories(dir);
        auto argv = common_args(dir);
        argv.insert(argv.end(), {"--seed-time=0", "--bt-save-metadata=false",
                                 "--bt-stop-timeout=" + std::to_string(deadline.count()), source});
        auto r = run(lab_.in_client(argv), {}, deadline + 10s);
        log_ += r.out + r.err;
        if (r.status.code != 0) {
            return "aria2c exited with " + std::to_string(r.status.code) + " (signal " +
                   std::to_string(r.status.signal) + ")";
        }
        return "";
    }

    std::string seed(const fs::path& torrent, const fs::path& content_dir,
                     std::chrono::seconds deadline) override {
        // --check-integrity hashes the file in place; --seed-ratio=0.0 seeds
        // without a ratio limit (until the test stops it).
        auto argv = common_args(content_dir);
        argv.insert(argv.end(), {"--check-integrity=true", "--seed-ratio=0.0",
                                 "--bt-seed-unverified=false", torrent.string()});
        seeder_ = Process::spawn(lab_.in_client(argv));
        // aria2 prints nothing when seeding starts at this log level: the test
        // waits for its announce at the tracker; here, only that it still runs.
        (void)deadline;
        if (!seeder_->running()) return "aria2c exited at once:\n" + seeder_->stderr_text();
        return "";
    }

    std::string diagnostics() override {
        std::string out = "aria2c output:\n" + tail(log_);
        if (seeder_) {
            seeder_->running();
            out += "\naria2c (seeding) output:\n" + tail(seeder_->stdout_text()) +
                   tail(seeder_->stderr_text());
        }
        return out;
    }

  private:
    std::vector<std::string> common_args(const fs::path& dir) const {
        return {"aria2c",
                "--dir=" + dir.string(),
                "--enable-dht=false",
                "--enable-dht6=false",
                "--bt-enable-lpd=false",
                "--enable-peer-exchange=false",
                "--listen-port=" + std::to_string(peer_port),
                "--summary-interval=0",
                "--console-log-level=notice",
                "--file-allocation=none",
                "--auto-save-interval=0",
                "--check-certificate=false"};
    }

    const NetLab& lab_;
    fs::path work_;
    std::optional<Process> seeder_;
    std::string log_;
};

// qbittorrent-nox with a profile of its own. The config accepts the legal
// notice (else it waits for a keypress), lets the WebUI skip authentication
// for localhost, and turns off DHT, LSD, PEX and port mapping.
class QBittorrent : public BitTorrentClient {
  public:
    QBittorrent(const NetLab& lab, fs::path work) : lab_(lab), work_(std::move(work)) {}
    ~QBittorrent() override {
        if (process_) {
            (void)run(api_argv("app/shutdown", {}), {}, 5s);
            if (!process_->wait(10s)) process_->signal(SIGKILL);
        }
    }

    std::string start() override {
        const fs::path config = work_ / "profile" / "qBittorrent" / "config";
        fs::create_directories(config);
        fs::create_directories(work_ / "downloads");
        write_file(config / "qBittorrent.conf",
                   "[LegalNotice]\nAccepted=true\n\n"
                   "[BitTorrent]\n"
                   "Session\\DHTEnabled=false\nSession\\LSDEnabled=false\n"
                   "Session\\PeXEnabled=false\n"
                   "Session\\Port=" +
                       std::to_string(peer_port) +
                       "\n"
                       "Session\\DefaultSavePath=" +
                       (work_ / "downloads").string() +
                       "\n\n"
                       "[Preferences]\n"
                       "Connection\\UPnP=false\n"
                       "WebUI\\Port=8080\nWebUI\\LocalHostAuth=false\n"
                       "WebUI\\CSRFProtection=false\nWebUI\\HostHeaderValidation=false\n"
                       "WebUI\\UseUPnP=false\n");
        process_ = Process::spawn(lab_.in_client(
            {"qbittorrent-nox", "--profile=" + (work_ / "profile").string(), "--webui-port=8080"}));
        auto version = poll_until(
            api_argv("app/version", {}),
            [](const std::string& out) { return out.starts_with("v"); }, 30s);
        if (!version)
            return "qbittorrent-nox WebUI never answered on " + std::string(qbittorrent_webui);
        return "";
    }

    std::string download(const std::string& source, const fs::path& dir,
                         std::chrono::seconds deadline) override {
        fs::create_directories(dir);
        if (auto e = add(source, dir); !e.empty()) return e;
        if (!wait_complete(deadline))
            return "qbittorrent did not finish within " + std::to_string(deadline.count()) +
                   " s:\n" + torrents();
        return "";
    }

    std::string seed(const fs::path& torrent, const fs::path& content_dir,
                     std::chrono::seconds deadline) override {
        if (auto e = add(torrent.string(), content_dir); !e.empty()) return e;
        if (!wait_complete(deadline))
            return "qbittorrent did not verify the seed data:\n" + torrents();
        return "";
    }

    std::string diagnostics() override {
        std::string out = "qbittorrent torrents:\n" + torrents();
        out += "\nqbittorrent log:\n" + tail(read_if_exists(work_ / "profile" / "qBittorrent" /
                                                            "data" / "logs" / "qbittorrent.log"));
        return out;
    }

  private:
    static bool is_up_state(const std::string& s) {
        return s == "uploading" || s == "stalledUP" || s == "queuedUP" || s == "forcedUP";
    }

    // Whether the torrent gets all its data (downloaded or verified) and seeds before `deadline`.
    bool wait_complete(std::chrono::seconds deadline) {
        return wait_state(
            [](const nlohmann::json& t) {
                return t.value("progress", 0.0) >= 1.0 && is_up_state(t.value("state", ""));
            },
            deadline);
    }

    // form: curl arguments ("--form", "torrents=@FILE", "--form-string", "urls=…").
    std::vector<std::string> api_argv(const std::string& method,
                                      const std::vector<std::string>& form) const {
        std::vector<std::string> argv{"curl",   "--silent",   "--show-error",
                                      "--fail", "--max-time", "5"};
        argv.insert(argv.end(), form.begin(), form.end());
        argv.push_back(std::string(qbittorrent_webui) + "/api/v2/" + method);
        return lab_.in_client(argv);
    }

    std::string add(const std::string& source, const fs::path& dir) {
        // A magnet goes in "urls" (as a plain string), a .torrent file is uploaded as "torrents".
        std::vector<std::string> form{"--form-string", "savepath=" + dir.string()};
        if (is_magnet(source)) {
            form.insert(form.end(), {"--form-string", "urls=" + source});
        } else {
            form.insert(form.end(), {"--form", "torrents=@" + source});
        }
        auto r = run(api_argv("torrents/add", form), {}, 20s);
        if (r.status.code != 0 || r.out != "Ok.") {
            return "qbittorrent torrents/add " + source.substr(0, 80) + ": " + r.out + r.err;
        }
        return "";
    }

    bool wait_state(const std::function<bool(const nlohmann::json&)>& accept,
                    std::chrono::seconds deadline) {
        auto out = poll_until(
            api_argv("torrents/info", {}),
            [&](const std::string& text) {
                auto list = nlohmann::json::parse(text, nullptr, false);
                if (!list.is_array() || list.size() != 1) return false;
                return accept(list[0]);
            },
            deadline);
        return out.has_value();
    }

    std::string torrents() {
        auto r = run(api_argv("torrents/info", {}), {}, 10s);
        return r.out + r.err;
    }

    const NetLab& lab_;
    fs::path work_;
    std::optional<Process> process_;
};

}  // namespace

std::string client_name(ClientKind kind) {
    switch (kind) {
        case ClientKind::transmission:
            return "transmission";
        case ClientKind::aria2:
            return "aria2";
        case ClientKind::qbittorrent:
            return "qbittorrent";
    }
    return "unknown";
}

std::unique_ptr<BitTorrentClient> make_client(ClientKind kind, const NetLab& lab,
                                              const fs::path& work) {
    switch (kind) {
        case ClientKind::transmission:
            return std::make_unique<Transmission>(lab, work);
        case ClientKind::aria2:
            return std::make_unique<Aria2>(lab, work);
        case ClientKind::qbittorrent:
            return std::make_unique<QBittorrent>(lab, work);
    }
    return nullptr;
}

std::optional<std::string> poll_until(const std::vector<std::string>& argv,
                                      const std::function<bool(const std::string&)>& accept,
                                      std::chrono::milliseconds deadline,
                                      std::chrono::milliseconds every) {
    const auto end = Clock::now() + deadline;
    while (true) {
        auto r = run(argv, {}, std::chrono::milliseconds(10000));
        if (r.status.code == 0 && accept(r.out)) return r.out;
        if (Clock::now() + every >= end) return std::nullopt;
        // The interval between two status polls, not a wait for an event.
        std::this_thread::sleep_for(every);
    }
}

}  // namespace aciswarm::test
