#include "common/process_tls.hpp"

#include <cerrno>
#include <cstdlib>

#include "common/file_read.hpp"
#include "common/system_error.hpp"

namespace aciswarm {

Status set_process_ca_file(const std::string& ca_file, const std::string& name) {
    if (auto file = open_regular_file(ca_file, Symlinks::follow, name); !file) {
        return file.error();
    }
    if (::setenv("SSL_CERT_FILE", ca_file.c_str(), 1) != 0) {
        return errno_error("setenv SSL_CERT_FILE", name, errno);
    }
    return {};
}

}  // namespace aciswarm
