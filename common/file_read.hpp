// Reading a file that a user or an API client named: the only way the agent
// reads such paths (docs/security.md). The rules, each against an attack seen:
//   - open with O_NONBLOCK (a FIFO never blocks the open), O_NOCTTY, O_CLOEXEC,
//     and O_NOFOLLOW when the caller asks (a symlink is refused, not followed);
//   - fstat the open descriptor and refuse anything that is not a regular file
//     (/dev/zero, a FIFO, a directory, a socket) with an error naming the path;
//   - refuse a file larger than the limit before reading, and enforce the limit
//     again while reading (the file may grow);
//   - check a stop token between chunks, so a reader can be cancelled.
// Expected failures are Result errors (Errc::not_found, permission,
// unsupported for "not a regular file", too_large, io, cancelled); the message
// names the file and says why. Thread: any; no shared state.
#pragma once

#include <cstddef>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace aciswarm {

enum class Symlinks { follow, refuse };

// Opens `path` read-only as the calling process (the kernel checks its access)
// and checks that it is a regular file. `name` is how errors call it ("" = path).
Result<UniqueFd> open_regular_file(const std::string& path, Symlinks symlinks,
                                   std::string_view name = {});

// Checks that `fd` is a regular file of at most `max_bytes` (errors name `name`).
// Returns its size.
Result<std::size_t> check_regular_file(int fd, std::string_view name, std::size_t max_bytes);

// Reads the whole of an open regular file from its start (pread: the file
// offset is left alone), at most `max_bytes`, checking `stop` between chunks.
Result<std::string> read_regular_file(int fd, std::string_view name, std::size_t max_bytes,
                                      std::stop_token stop = {});

// open_regular_file + read_regular_file.
Result<std::string> read_file_bounded(const std::string& path, std::size_t max_bytes,
                                      Symlinks symlinks = Symlinks::follow,
                                      std::stop_token stop = {});

}  // namespace aciswarm
