# http/'s pure parsers: rkt auth.d files (http/auth.hpp), URL authorities and the
# web seed URL form built from what parsed.
aciswarm_fuzz(fuzz_http_auth ${CMAKE_CURRENT_LIST_DIR}/http_auth_fuzz.cpp aciswarm_http)
