# The containerd mirror's routes (agent/mirror/route.hpp): every request on
# --mirror goes through this parser first.
aciswarm_fuzz(fuzz_mirror_route mirror_route_fuzz.cpp aciswarm_agent_mirror_route)
