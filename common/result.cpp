#include "common/result.hpp"

namespace aciswarm {

const char* errc_name(Errc code) noexcept {
    switch (code) {
        case Errc::invalid_argument:
            return "invalid argument";
        case Errc::not_found:
            return "not found";
        case Errc::ambiguous:
            return "ambiguous";
        case Errc::already_exists:
            return "already exists";
        case Errc::too_large:
            return "too large";
        case Errc::corrupt:
            return "corrupt";
        case Errc::unsupported:
            return "unsupported";
        case Errc::permission:
            return "permission denied";
        case Errc::io:
            return "I/O error";
        case Errc::network:
            return "network error";
        case Errc::protocol:
            return "protocol error";
        case Errc::timeout:
            return "timed out";
        case Errc::cancelled:
            return "cancelled";
        case Errc::untrusted:
            return "untrusted";
        case Errc::internal:
            return "internal error";
    }
    return "unknown error";
}

}  // namespace aciswarm
