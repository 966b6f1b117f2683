# Candor: the two commands a newcomer needs are `make run` and `make test`.
# Everything else is for day-to-day work; `make help` lists it.

SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 30
DB ?= var/candor.db
LISTEN ?= 127.0.0.1:8080

.PHONY: help deps build release run test unit fuzz-smoke api-lint fmt format-check style bench tidy clean

help:
	@echo "make run          install, build; on a fresh $(DB): demo walkthrough and candor init; then serve it on $(LISTEN)"
	@echo "make test         install, build (dev: ASan+UBSan), run every test and the fuzz smoke runs"
	@echo "make bench        build release and run the benchmarks (prints ratios to baselines)"
	@echo "make api-lint     lint docs/api/openapi.json with Redocly (part of make test)"
	@echo "make fmt          apply clang-format to every C++ file"
	@echo "make tidy         clang-tidy over the sources (slow; before large merges)"

deps:
	@scripts/bootstrap

build: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

release: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target candor candord

run: release
	@if [ ! -e $(DB).keys ]; then \
	    build/release/cli/candor demo --db $(DB) && \
	    echo && echo '$$ candor init --db $(DB)' && \
	    build/release/cli/candor init --db $(DB) && \
	    echo '  export KEY=<the CANDOR_ADMIN_KEY above>; curl -H "Authorization: Bearer $$KEY" http://$(LISTEN)/v1/keys'; \
	else \
	    echo "$(DB) is set up already (its key file $(DB).keys exists): serving it as it is."; \
	    echo "Its admin API key was printed when it was made; for another one:"; \
	    echo "  build/release/cli/candor keys create --db $(DB) --name me --scopes admin"; \
	fi
	@echo "Serving $(DB) on http://$(LISTEN); Ctrl-C stops."
	@exec build/release/src/candord --db sqlite:$(DB) --listen $(LISTEN)

test: deps format-check style api-lint build
	@ctest --preset dev -j $(JOBS) --timeout 600
	@$(MAKE) --no-print-directory fuzz-smoke

unit: build
	@ctest --preset dev -L unit -j $(JOBS)

fuzz-smoke: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target fuzz_targets
	@tools/fuzz_smoke build/fuzz $(FUZZ_SECONDS)

api-lint: deps
	@tools/redocly lint --config tools/apidocs/redocly.yaml docs/api/openapi.json

fmt: deps
	@tools/format --fix

format-check: deps
	@tools/format --check

style:
	@tools/style_check

bench: deps
	@bench/run
	@bench/http/run

tidy: build
	@tools/tidy

clean:
	rm -rf build
