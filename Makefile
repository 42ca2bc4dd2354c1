# Thin wrapper over CMake presets. `make run` and `make test` are the two set-up commands (README).
# Every Debian package the build, the tests and the tools need; `deps` installs the missing ones.
# tests/integration/deps_test.cc maps every header, library and program the build and the tests
# use to its package and fails if make deps would not install it (`file`: cpack's DEB generator;
# clang-format: `make format`).
DEB_PACKAGES := cmake make g++ pkg-config libsqlite3-dev sqlite3 libboost1.81-dev \
                libboost-program-options1.81-dev libboost-url1.81-dev \
                libpq-dev postgresql-15 \
                nlohmann-json3-dev libspdlog-dev catch2 libssl-dev openssl \
                systemd dpkg-dev file clang-format \
                libzip-dev chromium
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
PRESET ?= release
CONFIG ?= config/examples/sim.json
SUDO  := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# Long soak and fuzz runs carry the CTest label "soak"; `make test` leaves them out.
CTEST_ARGS ?=

.PHONY: all deps configure build test run bench soak tsan asan format clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	cmake --preset $(PRESET)

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	ctest --preset $(PRESET) -j $(JOBS) $(CTEST_ARGS)

run: build
	./build/bin/tradebotd --config $(CONFIG)

bench: build
	./build/bin/tradebot-bench storage
	./build/bin/tradebot-bench backtest

# The long runs (CI runs them briefly with TRADEBOT_SOAK_SECONDS set low).
soak: build
	ctest --test-dir build -L soak --output-on-failure

tsan:
	$(MAKE) test PRESET=tsan CTEST_ARGS="$(CTEST_ARGS)"

asan:
	$(MAKE) test PRESET=asan CTEST_ARGS="$(CTEST_ARGS)"

format:
	find apps backtest bot storage exchange config tests -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build build-debug build-asan build-tsan
