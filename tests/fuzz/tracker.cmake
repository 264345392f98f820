# The tracker's wire parsers (HTTP request heads + query strings, BEP 15 packets).
aciswarm_fuzz(fuzz_tracker_http tracker/http_request_fuzz.cpp aciswarm_tracker)
aciswarm_fuzz(fuzz_tracker_udp tracker/udp_packet_fuzz.cpp aciswarm_tracker)
