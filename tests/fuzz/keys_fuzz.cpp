// Fuzzes the private swarm parsers: any bytes as a keys file parse into keys of
// the allowed form or fail with a one-line error naming the file and a line,
// never the bytes; as a query and as BEP 41 options they never crash, and a
// KeyRing holding the parsed keys admits each of them as a passkey.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "tracker/core/keys.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aciswarm::tracker;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto keys = parse_keys_file(text, "keys");
    if (!keys) {
        const std::string& m = keys.error().message;
        if (m.rfind("keys:", 0) != 0 || m.find('\n') != std::string::npos) std::abort();
    } else {
        KeyRing ring;
        ring.replace(*keys);
        for (const std::string& k : *keys) {
            if (k.size() < kMinKeyLength || k.size() > kMaxKeyLength) std::abort();
            if (!ring.admits_query("info_hash=x&passkey=" + k)) std::abort();
        }
    }
    if (auto key = passkey_param(text); key && key->size() > text.size()) std::abort();
    if (auto url = bep41_url_data(std::span(data, size)); url && url->size() > size) std::abort();
    return 0;
}
