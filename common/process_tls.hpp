// Process-wide TLS trust for libraries that read it only from the environment.
//
// libtorrent 2.0.8 trusts a custom CA for HTTPS web seeds and trackers only
// through SSL_CERT_FILE, which OpenSSL reads when the session's TLS context is
// created. setenv is not thread-safe, so this is for a binary's start-up
// wiring (main or a command's entry), before any thread or session exists —
// never for library code at run time. Our own libcurl users take the CA file
// explicitly (http options), so this only serves libtorrent.
// Thread: the process's only thread at the time of the call.
#pragma once

#include <string>

#include "common/result.hpp"

namespace aciswarm {

// Checks that `ca_file` is a readable regular file (the error names it as
// `name`, e.g. "--ca-file /x.pem") and sets SSL_CERT_FILE to it, overriding any
// value inherited from the environment.
Status set_process_ca_file(const std::string& ca_file, const std::string& name);

}  // namespace aciswarm
