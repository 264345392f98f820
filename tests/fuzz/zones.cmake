# The tracker's zones file / --zone row parser (tracker/zones/zone_map.hpp).
aciswarm_fuzz(fuzz_tracker_zones zones_file_fuzz.cpp aciswarm_tracker_zones)
