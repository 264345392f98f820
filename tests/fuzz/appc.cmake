# appc's pure parsers: name rules and tar path cleaning, the manifest JSON
# parser, the one-pass ACI reader (libarchive decompression + tar + manifest)
# and ac-discovery meta tag extraction (gumbo), over arbitrary bytes.
aciswarm_fuzz(fuzz_appc_names ${CMAKE_CURRENT_LIST_DIR}/appc_names_fuzz.cpp aciswarm_appc)
aciswarm_fuzz(fuzz_appc_manifest ${CMAKE_CURRENT_LIST_DIR}/appc_manifest_fuzz.cpp aciswarm_appc)
aciswarm_fuzz(fuzz_appc_aci ${CMAKE_CURRENT_LIST_DIR}/appc_aci_fuzz.cpp aciswarm_appc)
aciswarm_fuzz(fuzz_appc_meta ${CMAKE_CURRENT_LIST_DIR}/appc_meta_fuzz.cpp aciswarm_appc)
