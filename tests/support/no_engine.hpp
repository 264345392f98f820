// For tests of code that asks for a BitTorrent engine only when it needs one
// (agent/fetch's Fetcher takes an EngineProvider): a provider that has none.
// Header-only, so tests/support does not link the engine.
// Thread-safety: `asked` is counted without a lock; one thread per test.
#pragma once

#include "common/result.hpp"

namespace aciswarm::engine {
class Engine;
}

namespace aciswarm::test {

// Answers every call with Errc::unsupported "test: no engine" and counts the
// calls in `asked` (which must outlive the provider).
inline auto no_engine_provider(int& asked) {
    return [&asked]() -> Result<engine::Engine*> {
        ++asked;
        return make_error(Errc::unsupported, "test: no engine");
    };
}

}  // namespace aciswarm::test
