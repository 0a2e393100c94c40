# Parley — the two commands of the quick start are `make run` and `make test`.
SWIFT ?= swift
DATA_DIR ?= ./data
HOST ?= 127.0.0.1
PORT ?= 8080
BUILD_FLAGS ?=

.PHONY: run demo test screenshots build release bench bench-peers bench-cluster crash fuzz deps deps-test deps-bench-peers deps-docker docker-check clean-data

# What a fresh machine lacks is installed by tools/deps.sh (Debian packages through apt, as root
# or with sudo; for the tests, the Python tools into a virtual environment under the build
# folder). tools/deps-check.sh, part of `make test`, runs both recipes with stand-ins for
# dpkg, apt-get, sudo, python3 and pip that report everything missing.
VENV ?= .build/venv
SCHEMATHESIS_VERSION ?= 4.32.5
OPENAPI_CLIENT_VERSION ?= 0.29.1
WEBSOCKETS_VERSION ?= 15.0.1
PLAYWRIGHT_VERSION ?= 1.65.2
MATPLOTLIB_VERSION ?= 3.10.7
export VENV SCHEMATHESIS_VERSION OPENAPI_CLIENT_VERSION WEBSOCKETS_VERSION PLAYWRIGHT_VERSION MATPLOTLIB_VERSION

deps:
	@tools/deps.sh build

deps-test:
	@tools/deps.sh test

deps-bench-peers:
	@tools/deps.sh bench-peers

deps-docker:
	@tools/deps.sh docker

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

# Serve on 127.0.0.1:8080 with data in ./data.
run: release
	$(SWIFT) run -c release parley serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

# The demo: a site, an agent and a shop page that embeds the widget (made once in DEMO_DIR);
# prints the two URLs to open.
DEMO_DIR ?= ./data-demo
demo: release
	$(SWIFT) run -c release parley serve --demo --host $(HOST) --port $(PORT) --data-dir $(DEMO_DIR)

# The install recipes under stand-ins (tools/deps-check.sh), then unit, end-to-end and API
# tests: schemathesis against the served OpenAPI document, a client generated from it driving a
# whole conversation, the load harness at a tiny size, 20 kill -9 cycles (tools/crash-loop), the
# widget and the agent console in headless Chromium (tools/browser-check), the alert rules and the
# dashboard against a real Prometheus scraping a real server (tools/ops-check), TLS with a reload,
# nginx in front and the systemd unit (tools/deploy-check).
test: deps-test
	tools/deps-check.sh
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	tools/api-fuzz.sh
	tools/openapi-client-check.sh
	tools/load-smoke.sh
	$(VENV)/bin/python tools/crash-loop --cycles 20
	$(VENV)/bin/python tools/browser-check
	$(VENV)/bin/python tools/ops-check
	$(VENV)/bin/python tools/deploy-check
	$(SWIFT) test --skip-build --parallel $(BUILD_FLAGS)

# The screenshots in docs/images/ and the README, taken by the browser test.
screenshots: deps-test
	$(SWIFT) build --product parley $(BUILD_FLAGS)
	$(VENV)/bin/python tools/browser-check --screenshots docs/images

# Micro benchmarks (ordo-one benchmark, a separate package under Benchmarks/), then the five
# load scenarios (tools/bench-load.sh), whose table is written into docs/PERFORMANCE.md.
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target LogBenchmarks --format markdown --no-progress
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target SnapshotBenchmarks --format markdown --no-progress
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target HistoryBenchmarks --format markdown --no-progress
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target StateBenchmarks --format markdown --no-progress
	tools/bench-load.sh

# Parley beside the peers (Debian's redis-server, nats-server and nginx + nchan, installed when
# missing) in one run with the same pinning (tools/bench-peers.sh says which benchmarks): the
# table with Parley's ratio to each peer goes into docs/PERFORMANCE.md, the plots into docs/images/.
bench-peers: deps-bench-peers
	tools/bench-peers.sh

# Several nodes on Redis (issue 20): one embedded node, one --redis node and three --redis nodes
# on one redis-server, the same pinning; messages/s and publish -> deliver latency go into
# docs/PERFORMANCE.md (tools/bench-cluster.sh). redis-server comes with the test packages.
bench-cluster: deps-test
	tools/bench-cluster.sh

# deploy/Dockerfile built with Debian's podman and run (tools/docker-check): non-root, health
# check, admin inside the container, SIGTERM drain, data kept in the volume. Not in `make test`:
# the image's release build takes 10-15 minutes.
docker-check: deps-docker
	tools/docker-check

# The long reliability runs (docs/RELIABILITY.md): fault injection at every I/O operation of
# a longer workload, with every recovery step crashed too, and 1,000 kill -9 cycles against
# the real server (`make test` runs a shorter sweep and 20 cycles).
CRASH_CYCLES ?= 1000
crash: deps-test
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	PARLEY_FAULT_SWEEP=large $(SWIFT) test --skip-build --filter FaultInjectionTests $(BUILD_FLAGS)
	$(VENV)/bin/python tools/crash-loop --cycles $(CRASH_CYCLES) --time-limit 7200

# libFuzzer targets (Fuzz/): built with -sanitize=fuzzer,address into .build-fuzz/, each run
# for FUZZ_SECONDS (60; CI 30) on its committed seed corpus. FUZZ_RUNS=10000000 is the
# documented run in docs/RELIABILITY.md.
fuzz: deps
	tools/fuzz.sh

clean-data:
	rm -rf $(DATA_DIR)
