# oci/'s pure parsers: image references and digests, manifests and indexes,
# WWW-Authenticate challenges, token answers and Docker config.json files.
aciswarm_fuzz(fuzz_oci_reference ${CMAKE_CURRENT_LIST_DIR}/oci_reference_fuzz.cpp aciswarm_oci)
aciswarm_fuzz(fuzz_oci_manifest ${CMAKE_CURRENT_LIST_DIR}/oci_manifest_fuzz.cpp aciswarm_oci)
aciswarm_fuzz(fuzz_oci_auth ${CMAKE_CURRENT_LIST_DIR}/oci_auth_fuzz.cpp aciswarm_oci)
