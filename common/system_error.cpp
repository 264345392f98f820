#include "common/system_error.hpp"

#include <cerrno>
#include <cstring>

namespace aciswarm {

Errc errc_from_errno(int err, Errc otherwise) {
    switch (err) {
        case ENOENT:
        case ENOTDIR:
            return Errc::not_found;
        case EACCES:
        case EPERM:
            return Errc::permission;
        default:
            return otherwise;
    }
}

std::string errno_text(int err) {
    // strerror_r, not strerror: the latter may share one buffer between threads.
    char buffer[128];
    return ::strerror_r(err, buffer, sizeof buffer);  // GNU variant: returns the text
}

Error errno_error(std::string_view operation, std::string_view subject, int err, Errc otherwise) {
    std::string message(subject);
    message += ": ";
    if (!operation.empty()) {
        message += operation;
        message += ": ";
    }
    message += errno_text(err);
    return make_error(errc_from_errno(err, otherwise), std::move(message));
}

}  // namespace aciswarm
