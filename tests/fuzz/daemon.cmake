# The local API's wire format (agent/daemon/protocol.hpp): the request parser
# the daemon runs on every client line, and the reply decoders the CLI runs on
# the daemon's answers.
aciswarm_fuzz(fuzz_daemon_protocol daemon_protocol_fuzz.cpp aciswarm_agent_protocol)
