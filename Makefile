# mly: tools for Mapillary street-level imagery.
#   make            build lib/libmapi.a and every tool into bin/
#   make deps       install the Debian packages the project needs (a no-op when present)
#   make check      run every test; ends with "N passed, N failed"
#   make bench      benchmarks against peers and the physical floor
#   make demo       build, then find, download and process sequences from the local server (scripts/demo)
#   make fuzz       build the libFuzzer targets (clang)
#   make install    PREFIX=/usr/local (DESTDIR honoured)

VERSION  := 0.1.0
PREFIX   ?= /usr/local
CXX      ?= g++
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -pthread
CPPFLAGS += -Ilib -DUSE_OS_TZDB=1 -DCPPHTTPLIB_OPENSSL_SUPPORT -DCPPHTTPLIB_ZLIB_SUPPORT -DCXXOPTS_NO_REGEX -DMLY_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS   += -lexif -lpugixml -ldate-tz -lcpp-httplib -lssl -lcrypto -lz -pthread

# Debian packages: build, test and benchmark needs, installed by name.
DEPS := g++ make pkg-config python3 libexif-dev rapidjson-dev libcxxopts-dev catch2 \
        libcpp-httplib-dev libssl-dev libstb-dev libpugixml-dev libhowardhinnant-date-dev \
        libprotozero-dev zlib1g-dev openssl curl \
        tzdata mandoc libimage-exiftool-perl libxml2-utils gpsbabel gpscorrelate jq \
        clang libclang-rt-14-dev time xfsprogs

LIB_SRC   := $(wildcard lib/*.cpp)
LIB_OBJ   := $(LIB_SRC:lib/%.cpp=build/lib/%.o)
TOOL_SRC  := $(wildcard tools/mly-*.cpp)
TOOLS     := $(TOOL_SRC:tools/%.cpp=bin/%)
UNIT_SRC  := $(wildcard tests/unit/*.cpp)
UNIT_OBJ  := $(UNIT_SRC:tests/unit/%.cpp=build/unit/%.o)
HELP_SRC  := $(wildcard tests/helpers/*.cpp)
HELPERS   := $(HELP_SRC:tests/helpers/%.cpp=build/helpers/%)
# The local Mapillary server of tests, benchmarks and the demo.
FAKE_SRC  := $(wildcard tests/fakeapi/*.cpp)
FAKE_OBJ  := $(FAKE_SRC:tests/fakeapi/%.cpp=build/fakeapi/%.o)
FAKEAPI   := $(if $(FAKE_SRC),build/fakeapi/mly-fakeapi)

.PHONY: all deps check bench demo fuzz install uninstall clean build-parallel
all: lib/libmapi.a $(TOOLS) $(HELPERS) $(FAKEAPI)

lib/libmapi.a: $(LIB_OBJ)
	ar rcs $@ $^

build/lib/%.o: lib/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

build/tools/%.o: tools/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

bin/%: build/tools/%.o lib/libmapi.a
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $< lib/libmapi.a $(LDLIBS) -o $@

build/helpers/%.o: tests/helpers/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

build/helpers/%: build/helpers/%.o lib/libmapi.a
	$(CXX) $(CXXFLAGS) $< lib/libmapi.a $(LDLIBS) -o $@

build/fakeapi/%.o: tests/fakeapi/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) -Itests/fakeapi $(CXXFLAGS) -c $< -o $@

build/fakeapi/mly-fakeapi: $(FAKE_OBJ) lib/libmapi.a
	$(CXX) $(CXXFLAGS) $(FAKE_OBJ) lib/libmapi.a $(LDLIBS) -o $@

build/unit/%.o: tests/unit/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

build/unit_tests: $(UNIT_OBJ) lib/libmapi.a
	$(CXX) $(CXXFLAGS) $(UNIT_OBJ) lib/libmapi.a $(LDLIBS) -o $@

deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "all Debian packages present"; fi

# The build inside check, bench and demo runs on every core even when they
# are called as plain `make deps check`: deps must finish first, so the
# parallelism starts in a sub-make, after it.
NPROC := $(shell nproc 2>/dev/null || echo 2)
build-parallel:
	@$(MAKE) --no-print-directory -j$(NPROC) all build/unit_tests

check: build-parallel
	@tests/run

bench: build-parallel
	@bench/run

demo: build-parallel
	@scripts/demo

fuzz:
	$(MAKE) -f fuzz/Makefile

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7 \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/mapi $(DESTDIR)$(PREFIX)/share/mly
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 644 lib/libmapi.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 lib/mapi/*.hpp $(DESTDIR)$(PREFIX)/include/mapi/
	install -m 644 examples/photos.mk $(DESTDIR)$(PREFIX)/share/mly/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' lib/mapi.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mapi.pc

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(TOOLS))) $(DESTDIR)$(PREFIX)/lib/libmapi.a \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/mapi.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/mapi $(DESTDIR)$(PREFIX)/share/mly

clean:
	rm -rf build bin lib/libmapi.a tests/tmp fuzz/bin

-include $(wildcard build/*/*.d)
