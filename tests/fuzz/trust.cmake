# OpenPGP input through RNP: public keys (as `aciswarm trust` reads them) and
# detached signatures (as every fetch and import reads an .aci.asc).
aciswarm_fuzz(fuzz_trust_openpgp trust_openpgp_fuzz.cpp aciswarm_trust)
