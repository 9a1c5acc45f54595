# Torii build entry points. `make run` and `make test` do all set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
PYTHON ?= python3
BUILD := build
export CCACHE_DIR ?= $(CURDIR)/.cache/ccache
# Share cache entries between build directories (release, asan and the ones helpers use).
export CCACHE_NOHASHDIR ?= 1
export CCACHE_BASEDIR ?= $(CURDIR)

.PHONY: all deps configure build asan fuzz-build run test unit integration conformance bench \
        bench-micro bench-inference fuzz fmt clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset release >/dev/null

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD)

# Parsers and lifetimes under AddressSanitizer and UndefinedBehaviorSanitizer: the unit tests, and
# torii/torii-echo/torii-llm-sim for the integration suite's sanitizer pass.
asan: deps
	@[ -f build-asan/build.ninja ] || cmake --preset asan-ubsan >/dev/null
	cmake --build build-asan --target unit_tests torii torii-echo torii-llm-sim

fuzz-build: deps
	@[ -f build-fuzz/build.ninja ] || cmake --preset fuzz >/dev/null
	cmake --build build-fuzz

run: build
	scripts/run-quickstart

test: build asan fuzz-build
	$(PYTHON) tests/run.py

unit: build
	$(PYTHON) tests/run.py --only unit

integration: build
	$(PYTHON) tests/run.py --only integration

conformance: build
	$(PYTHON) tests/conformance/run.py

bench: build
	cmake -DTORII_BUILD_BENCH=ON $(BUILD) >/dev/null && cmake --build $(BUILD) --target micro_bench
	$(BUILD)/micro_bench
	$(PYTHON) bench/translate/run.py
	$(PYTHON) bench/http1/run.py --rounds 7 --duration 5

# Inference routing: Torii's endpoint picker vs round-robin vs least-request over 4 vLLM
# simulators, shared-prefix and ShareGPT-like workloads (~18 min; ARGS=--quick for ~8 min).
bench-inference: build
	$(PYTHON) bench/inference/run.py $(ARGS)

fuzz: fuzz-build
	mkdir -p .cache/fuzz-corpus
	build-fuzz/http1_parser_fuzz -max_total_time=$${FUZZ_SECONDS:-600} .cache/fuzz-corpus tests/fuzz/corpus

fmt:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build build-asan build-fuzz build-debug
