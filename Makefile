# Thin wrapper over the CMake presets (CMakePresets.json). Every target installs
# missing Debian packages first (scripts/install-deps.sh).
#
#   make demo    build + run the private registry example (examples/private-registry/run.sh)
#   make build   configure + build (build/)
#   make test    build + every ctest label (unit, integration, interop)
#   make asan    ASan+UBSan build + unit and integration tests (build-asan/)
#   make fuzz    libFuzzer targets, FUZZ_RUNS inputs each (build-fuzz/)
#   make format  clang-format every C++ file in place (only *.cpp and *.hpp)
#   make check-structure  folder include cycles, stray libtorrent, long functions (after build)

JOBS      ?= $(shell nproc)
# CI turns compiler warnings into errors.
WERROR    ?= $(if $(CI),ON,OFF)
FUZZ_RUNS ?= 20000
CTEST_ARGS ?=

CXX_SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)

# ccache (when installed) keys on paths relative to the checkout, so a fresh
# clone on a machine that built before compiles only what changed.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: deps build demo test asan fuzz format check-format check-structure clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset default -DACISWARM_WERROR=$(WERROR)
	cmake --build --preset default -j $(JOBS)

# Needs root for its network namespace (run.sh uses sudo otherwise); DEMO_ARGS e.g. --agents=5.
DEMO_ARGS ?=
# Builds only the two binaries the demo runs (not every test and benchmark).
demo: deps
	cmake --preset default -DACISWARM_WERROR=$(WERROR)
	cmake --build --preset default -j $(JOBS) --target aciswarm aciswarm-tracker
	examples/private-registry/run.sh $(DEMO_ARGS)

test: build
	ctest --preset default -j $(JOBS) $(CTEST_ARGS)

asan: deps
	cmake --preset asan -DACISWARM_WERROR=$(WERROR)
	cmake --build --preset asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --preset asan -j $(JOBS) -L 'unit|integration' $(CTEST_ARGS)

fuzz: deps
	cmake --preset fuzz -DACISWARM_WERROR=$(WERROR) -DACISWARM_FUZZ_RUNS=$(FUZZ_RUNS)
	cmake --build --preset fuzz -j $(JOBS) --target fuzz_all
	ctest --preset fuzz -j $(JOBS) -L fuzz

format:
	clang-format -i $(CXX_SOURCES)

check-format:
	clang-format --dry-run -Werror $(CXX_SOURCES)

check-structure: build
	scripts/check-structure.sh build

clean:
	rm -rf build build-asan build-fuzz
