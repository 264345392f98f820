# Private swarms' pure parsers (tracker/core/keys.hpp): the --keys file, the
# passkey query parameter and BEP 41 URL data of UDP announces.
aciswarm_fuzz(fuzz_tracker_keys ${CMAKE_CURRENT_LIST_DIR}/keys_fuzz.cpp aciswarm_tracker)
