// errno → Error: the one place that turns a failed system call into the
// project's Result convention. The message names what was acted on and the
// operation, then the system's reason:
//   errno_error("open", "/var/lib/aciswarm/x", ENOENT)
//     → Errc::not_found, "/var/lib/aciswarm/x: open: No such file or directory"
// Thread: any; no state.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace aciswarm {

// The category of an errno value: ENOENT/ENOTDIR → not_found, EACCES/EPERM →
// permission, anything else → `otherwise` (io for files, network for sockets).
Errc errc_from_errno(int err, Errc otherwise = Errc::io);

// The system's description of an errno value ("No such file or directory").
std::string errno_text(int err);

// "<subject>: <operation>: <reason>", or "<subject>: <reason>" when operation
// is empty. Pass errno explicitly, read right after the failed call (building
// the subject string may allocate, and allocation may change errno).
Error errno_error(std::string_view operation, std::string_view subject, int err,
                  Errc otherwise = Errc::io);

}  // namespace aciswarm
