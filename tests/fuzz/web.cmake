# The tracker's web interface: request targets and page rendering (tracker/web).
aciswarm_fuzz(fuzz_tracker_web web/web_handle_fuzz.cpp aciswarm_tracker_web nlohmann_json::nlohmann_json)
# The agent's node page, JSON and /metrics from hostile image names (agent/web).
aciswarm_fuzz(fuzz_agent_web web/agent_web_fuzz.cpp aciswarm_agent_web nlohmann_json::nlohmann_json)
