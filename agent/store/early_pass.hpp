// An import's one pass (blob digest, image ID, manifest: appc::read_aci_stream)
// run while its file is still being written, so that importing a download
// does not read the whole file again after its last byte arrived.
//
// The writer (agent/fetch: the engine's verified pieces) declares which prefix
// of the file is final with extend(); the pass reads only below that prefix,
// in order, from the page cache the writer just filled, and asks the kernel to
// start writing those bytes back (sync_file_range), so the import's fsync
// finds little left to do. complete() declares the whole file.
//
// Store::import_file(path, request) with request.early_pass set takes the
// pass's result instead of reading the file again, but only when the pass
// read the very file it imports (same device and inode, read through the
// pass's own descriptor) and exactly its size; otherwise (the pass failed,
// was cancelled, or saw another file) the import reads the file as before. The
// writer's promise, that bytes below a declared prefix never change, is what
// makes the digests the blob's own: a blob is never stored on a digest of
// other bytes.
//
// Thread ownership: the pass runs on a thread of its own, started by the
// constructor and joined by the destructor (which cancels it first).
// extend(), complete() and cancel() may be called from any thread; the owner
// hands the pass to one import (Store::import_file calls result()).
// What survives kill -9: nothing; the pass only reads.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "appc/aci_reader.hpp"
#include "common/fd.hpp"
#include "common/result.hpp"

namespace aciswarm::agent::store {

// What an early pass found, and which file it read.
struct EarlyPassResult {
    appc::AciInfo info;
    dev_t device = 0;
    ino_t inode = 0;
};

class EarlyPass {
  public:
    struct Options {
        appc::AciLimits limits;
        // Bytes read between two writeback hints (sync_file_range).
        std::uint64_t writeback_every = std::uint64_t{32} << 20;
        // Tests: called on the pass's thread each time it waits for the
        // writer, with how many bytes it has read (all of the final prefix).
        std::function<void(std::uint64_t read)> on_wait;
    };
    // Opens the file now (it must exist: the writer's first final bytes are
    // in it); the pass reads that inode, whatever it is named later.
    EarlyPass(std::filesystem::path path, Options options);
    ~EarlyPass();
    EarlyPass(const EarlyPass&) = delete;
    EarlyPass& operator=(const EarlyPass&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // Bytes [0, final_bytes) of the file are final; a smaller value than
    // before changes nothing.
    void extend(std::uint64_t final_bytes);
    // The file is whole and `size` bytes long.
    void complete(std::uint64_t size);
    // Stops the pass: result() then fails with Errc::cancelled.
    void cancel();
    // Waits for the pass (after complete() or cancel()) and returns what it
    // found, or why it failed.
    Result<EarlyPassResult> result();

  private:
    void run();
    // The pass's ChunkReader: the next bytes below the final prefix, waiting
    // for the writer when it has read all of it; 0 at the end of a whole file.
    Result<std::size_t> read_next(std::span<std::uint8_t> buf);
    void hint_writeback(bool all);

    std::filesystem::path path_;
    Options options_;
    UniqueFd fd_;  // opened by the constructor, then the pass's thread only
    int open_errno_ = 0;
    std::uint64_t offset_ = 0;        // bytes read (the pass's thread only)
    std::uint64_t written_back_ = 0;  // bytes hinted for writeback (the pass's thread only)
    std::mutex mu_;
    std::condition_variable cv_;
    std::uint64_t final_ = 0;                        // guarded by mu_
    std::optional<std::uint64_t> size_;              // guarded by mu_: set by complete()
    bool cancelled_ = false;                         // guarded by mu_
    bool done_ = false;                              // guarded by mu_: run() returned
    std::optional<Result<EarlyPassResult>> result_;  // guarded by mu_, set once by run()
    std::jthread thread_;                            // last: starts after every other member
};

}  // namespace aciswarm::agent::store
