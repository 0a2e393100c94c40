# Parley — the two commands of the quick start are `make run` and `make test`.
SWIFT ?= swift
DATA_DIR ?= ./data
HOST ?= 127.0.0.1
PORT ?= 8080
BUILD_FLAGS ?=

.PHONY: run test build release bench deps clean-data

# System packages: liblz4 (the CLZ4 system-library target), lz4 (the CLI that tests check the
# snapshot payload against) and pkg-config. Installed only when missing.
deps:
	@missing=""; \
	for pkg in liblz4-dev lz4 pkg-config; do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO apt-get update -qq && $$SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

# Serve on 127.0.0.1:8080 with data in ./data.
run: release
	$(SWIFT) run -c release parley serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --parallel $(BUILD_FLAGS)

# Micro benchmarks (ordo-one benchmark, a separate package under Benchmarks/).
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target LogBenchmarks --format markdown --no-progress
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --target SnapshotBenchmarks --format markdown --no-progress

clean-data:
	rm -rf $(DATA_DIR)
