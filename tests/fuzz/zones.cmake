# The tracker's zones file / --zone row parser (tracker/zones/zone_map.hpp).
aciswarm_fuzz(fuzz_tracker_zones zones_file_fuzz.cpp aciswarm_tracker_zones)
# The agent's /zone reply parser and URL builder (agent/engine/zone_role.hpp).
aciswarm_fuzz(fuzz_zone_reply zone_reply_fuzz.cpp aciswarm_agent_engine)
