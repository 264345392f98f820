# convert/'s pure parsers: the OCI image config (and the appc manifest mapped
# from whatever parses), and layer tar entry names (whiteouts, hostile paths).
aciswarm_fuzz(fuzz_convert_config ${CMAKE_CURRENT_LIST_DIR}/convert_config_fuzz.cpp aciswarm_convert)
aciswarm_fuzz(fuzz_convert_layer_path ${CMAKE_CURRENT_LIST_DIR}/convert_layer_path_fuzz.cpp aciswarm_convert)
# oci-archive: tar entry names (only the layout's own files are unpacked) and arguments.
aciswarm_fuzz(fuzz_convert_oci_archive ${CMAKE_CURRENT_LIST_DIR}/convert_oci_archive_fuzz.cpp aciswarm_convert)
