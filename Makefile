# Parley — the two commands of the quick start are `make run` and `make test`.
SWIFT ?= swift
DATA_DIR ?= ./data
HOST ?= 127.0.0.1
PORT ?= 8080
BUILD_FLAGS ?=

.PHONY: run test build release bench deps deps-test clean-data

# System packages: liblz4 (the CLZ4 system-library target), lz4 (the CLI that tests check the
# snapshot payload against), pkg-config and curl; from PyPI, schemathesis for the API fuzz test
# and openapi-python-client for the generated-client check. Installed only when missing.
SCHEMATHESIS_VERSION ?= 4.32.5
OPENAPI_CLIENT_VERSION ?= 0.29.1

deps:
	@missing=""; \
	for pkg in liblz4-dev lz4 pkg-config curl; do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO apt-get update -qq && $$SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

deps-test: deps
	@command -v ss >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO apt-get update -qq && $$SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2; }
	@command -v st >/dev/null 2>&1 || python3 -m pip install -q "schemathesis==$(SCHEMATHESIS_VERSION)"
	@command -v openapi-python-client >/dev/null 2>&1 || \
	  python3 -m pip install -q "openapi-python-client==$(OPENAPI_CLIENT_VERSION)"

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

# Serve on 127.0.0.1:8080 with data in ./data.
run: release
	$(SWIFT) run -c release parley serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

# Unit, end-to-end and API tests: schemathesis against the served OpenAPI document, a client
# generated from it driving a whole conversation, the load harness at a tiny size.
test: deps-test
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	tools/api-fuzz.sh
	tools/openapi-client-check.sh
	tools/load-smoke.sh
	$(SWIFT) test --skip-build --parallel $(BUILD_FLAGS)

# Micro benchmarks (ordo-one benchmark, a separate package under Benchmarks/), then the five
# load scenarios (tools/bench-load.sh), whose table is written into docs/PERFORMANCE.md.
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target LogBenchmarks --format markdown --no-progress
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target SnapshotBenchmarks --format markdown --no-progress
	tools/bench-load.sh

clean-data:
	rm -rf $(DATA_DIR)
