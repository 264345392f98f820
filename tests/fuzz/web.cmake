# The tracker's web interface: request targets and page rendering (tracker/web).
aciswarm_fuzz(fuzz_tracker_web web/web_handle_fuzz.cpp aciswarm_tracker_web nlohmann_json::nlohmann_json)
