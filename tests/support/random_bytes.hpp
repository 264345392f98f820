// Test payloads: bytes no compressor shrinks, so pieces, chunks and transfers
// are as large on the wire as on disk. The same seed gives the same bytes, so a
// test can write the same file twice or tell two files apart by seed alone.
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace aciswarm::test {

std::string random_bytes(std::size_t n, std::uint64_t seed);

}  // namespace aciswarm::test
