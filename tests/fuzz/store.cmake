# Image store parsers: the manifest JSON parser and the one-pass ACI reader
# (libarchive decompression + tar + manifest), over arbitrary bytes.
aciswarm_fuzz(fuzz_store_manifest store_manifest_fuzz.cpp aciswarm_agent_store)
aciswarm_fuzz(fuzz_store_aci store_aci_fuzz.cpp aciswarm_agent_store)
