#include "agent/fetch/https_download.hpp"

#include <utility>

#include "appc/aci_reader.hpp"

namespace aciswarm::agent::fetch {

Result<std::uint64_t> https_download(const std::string& url, store::StagingFile& file,
                                     const http::ClientOptions& options,
                                     const http::ProgressFn& progress, std::stop_token stop,
                                     const DownloadLimits& limits) {
    http::ClientOptions capped = options;
    capped.max_body = limits.max_bytes;
    http::DownloadCheck check;
    check.max_body_reason = limits.max_reason;
    if (limits.aci_magic) {
        check.head_bytes = appc::aci_magic_bytes;
        check.check_head = [](std::span<const std::uint8_t> head) {
            return appc::check_aci_magic(head);
        };
    }
    http::Client client(std::move(capped));
    auto written = client.download(
        url, [&file](std::string_view bytes) { return file.write(bytes); }, progress,
        std::move(stop), check);
    if (!written) return written;
    if (auto synced = file.sync(); !synced) return std::move(synced).error();
    return written;
}

}  // namespace aciswarm::agent::fetch
