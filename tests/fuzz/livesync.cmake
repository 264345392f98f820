# Livesync packet parser (tracker/livesync/wire.hpp).
aciswarm_fuzz(fuzz_livesync_packet livesync_packet_fuzz.cpp aciswarm_livesync)
