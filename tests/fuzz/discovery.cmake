# Discovery's pure parsers: meta extraction (gumbo) and, over the same bytes,
# template rendering, image arguments and Cache-Control.
aciswarm_fuzz(fuzz_discovery_meta ${CMAKE_CURRENT_LIST_DIR}/discovery_meta_fuzz.cpp aciswarm_discovery)
