// aciswarm-trust-verify FILE SIGNATURE KEY...: checks a detached signature
// with aciswarm's verifier (trust/, RNP) exactly as an import does, for
// bench/trust-verify.sh to time against `gpg --verify` on the same file.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "trust/openpgp.hpp"

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: aciswarm-trust-verify FILE SIGNATURE KEY...\n";
        return 2;
    }
    auto slurp = [](const char* path) {
        std::ifstream f(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(f), {});
    };
    const std::string signature = slurp(argv[2]);
    std::vector<std::string> keys;
    for (int i = 3; i < argc; ++i)
        keys.push_back(slurp(argv[i]));
    aciswarm::SystemClock clock;
    auto r = aciswarm::trust::verify_detached_file(argv[1], aciswarm::trust::as_bytes(signature),
                                                   keys, clock.wall_now(), argv[1]);
    if (!r) {
        std::cerr << r.error().message << "\n";
        return 3;
    }
    std::cout << "good signature by " << r->primary.grouped() << "\n";
    return 0;
}
