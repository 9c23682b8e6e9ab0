# frost — one Makefile; each module lists its sources in its own module.mk.
#   make            build/frost; build/libfrost.{so,a} (format, runtime, writer: what serving
#                   needs) and build/libfrost_import.{so,a} (the pickle/joblib importer);
#                   build/libfrost_remote.so (HTTP(S)/S3 reads, loaded by libfrost on demand),
#                   build/frost-remote (the CLI for URLs) and build/frost-serve; the Python
#                   package (tools/python/frost) then imports with PYTHONPATH=tools/python
#   make test       every test (installs missing Debian packages first)
#   make demo       train, convert, predict on a bundled dataset
#   make V=1        show full commands
CC        ?= cc
BUILD     ?= build
PREFIX    ?= /usr/local
DESTDIR   ?=
PYTHON    ?= /usr/bin/python3
FROST_SHARED ?= $(abspath ../shared)

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
             -Wformat=2 -Wundef -Wpointer-arith
# CFLAGS (optimisation, sanitizers) may be set on the command line; the flags frost needs are
# kept apart so such a setting never drops them.
CFLAGS    ?= -O2 -g
FROST_CPPFLAGS := -D_GNU_SOURCE -Iruntime -Iformat -Iwriter -Iimport -Itools -Iremote
FROST_CFLAGS   := -std=c11 $(WARN) -fPIC -fvisibility=hidden -pthread
# libfrost links what serving needs (libsodium: signatures checked at open); the importer adds
# its decompressors and libcrypto (the RSA-PSS source signatures it checks before parsing); the
# CLI adds jansson (every JSON it reads or writes).
LDLIBS_CORE   := -luring -llz4 -lxxhash -lsodium -lm -lpthread
LDLIBS_IMPORT := -lz -lbz2 -llzma -lcrypto
LDLIBS_CLI    := -ljansson
LDLIBS        := $(LDLIBS_IMPORT) $(LDLIBS_CORE)
# The remote plugin adds libcurl; nothing else links it.
LDLIBS_REMOTE := -lcurl -lxxhash -llz4 -lm -lpthread

LIB_SRCS    :=
IMPORT_SRCS :=
CSV_SRCS    :=
CLI_SRCS    :=
SERVE_SRCS  :=
CLI_STATIC_SRCS :=
REMOTE_SRCS :=
UNIT_TESTS  :=
include format/module.mk runtime/module.mk writer/module.mk import/module.mk remote/module.mk \
        tools/module.mk tools/serve/module.mk tests/module.mk

LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
IMPORT_OBJS := $(IMPORT_SRCS:%.c=$(BUILD)/obj/%.o)
CSV_OBJS    := $(CSV_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS    := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
SERVE_OBJS  := $(SERVE_SRCS:%.c=$(BUILD)/obj/%.o)
SERVE_MAIN_OBJ := $(SERVE_MAIN:%.c=$(BUILD)/obj/%.o)
CLI_STATIC_OBJS := $(CLI_STATIC_SRCS:%.c=$(BUILD)/obj/%.o)
REMOTE_OBJS := $(REMOTE_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS   := $(UNIT_TESTS:tests/unit/%.c=$(BUILD)/tests/%)
# The CLI and the tests link every layer statically, users before what they use.
ARCHIVES    := $(BUILD)/libfrost_csv.a $(BUILD)/libfrost_import.a $(BUILD)/libfrost.a

all: $(BUILD)/libfrost.a $(BUILD)/libfrost.so $(BUILD)/libfrost_import.a \
     $(BUILD)/libfrost_import.so $(BUILD)/frost $(BUILD)/frost-serve $(BUILD)/libfrost_remote.so \
     $(BUILD)/frost-remote

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(FROST_CPPFLAGS) $(CPPFLAGS) $(FROST_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libfrost.a: $(LIB_OBJS)
$(BUILD)/libfrost_import.a: $(IMPORT_OBJS)
$(BUILD)/libfrost_csv.a: $(CSV_OBJS)
$(BUILD)/libfrost_serve.a: $(SERVE_OBJS)
$(BUILD)/libfrost_remote.a: $(REMOTE_OBJS)
$(ARCHIVES) $(BUILD)/libfrost_serve.a $(BUILD)/libfrost_remote.a:
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libfrost.so: $(LIB_OBJS) runtime/libfrost.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libfrost.so.0 -Wl,--version-script=runtime/libfrost.map \
		$(LDFLAGS) -o $@ $(LIB_OBJS) $(LDLIBS_CORE)
	$(Q)ln -sf libfrost.so $@.0

# The remote plugin: libfrost loads it with dlopen, under its soname, from its own directory
# (runtime/remote.h). It carries a private copy of what it uses of libfrost.a (format/'s error
# type and header digest, url.c) and exports its one entry point alone.
$(BUILD)/libfrost_remote.so: $(REMOTE_OBJS) $(BUILD)/libfrost.a remote/libfrost_remote.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libfrost_remote.so.0 \
		-Wl,--version-script=remote/libfrost_remote.map $(LDFLAGS) -o $@ $(REMOTE_OBJS) \
		$(BUILD)/libfrost.a $(LDLIBS_REMOTE)
	$(Q)ln -sf libfrost_remote.so $@.0

# The importer's shared library carries a private copy of the layers it builds on (from
# libfrost.a: the builder, format/); its version script exports frost_import.h alone.
$(BUILD)/libfrost_import.so: $(IMPORT_OBJS) $(BUILD)/libfrost.a import/libfrost_import.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libfrost_import.so.0 \
		-Wl,--version-script=import/libfrost_import.map $(LDFLAGS) -o $@ $(IMPORT_OBJS) \
		$(BUILD)/libfrost.a $(LDLIBS)
	$(Q)ln -sf libfrost_import.so $@.0

# The CLI is one static executable: it runs from any directory without LD_LIBRARY_PATH, and a
# fresh process skips the dynamic loader, which was most of a warm one-row prediction's
# instructions (bench/README.md). CLI_STATIC= links it dynamically (sanitizer builds do).
# A static frost never loads a shared object: tools/static_dlopen.c.
CLI_STATIC ?= -static
comma := ,
CLI_NO_DLOPEN = $(if $(CLI_STATIC),-Wl$(comma)--wrap=dlopen $(CLI_STATIC_OBJS))
$(BUILD)/frost: $(CLI_OBJS) $(CLI_STATIC_OBJS) $(ARCHIVES)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(FROST_CFLAGS) $(CFLAGS) $(LDFLAGS) $(CLI_STATIC) -o $@ $(CLI_OBJS) \
		$(CLI_NO_DLOPEN) $(ARCHIVES) $(LDLIBS_CLI) $(LDLIBS)

# frost-serve (tools/serve/module.mk says why it is apart): the archives that exist statically,
# libc, p11-kit (GnuTLS's, which Debian ships shared only) and its libffi dynamically. With
# CLI_STATIC= (sanitizer builds) everything is dynamic. libfrost's own libraries are taken from
# LDLIBS_CORE, so one it gains is linked here too. Its libc is dynamic, so it can dlopen the
# remote plugin for a URL; libfrost.a is part of the executable, which dladdr cannot place, so
# the plugin is found by its soname through this RUNPATH: beside it (the build) or ../lib (install).
SERVE_ARCHIVES := $(BUILD)/libfrost_serve.a $(BUILD)/libfrost_csv.a $(BUILD)/libfrost.a
SERVE_LIBS_STATIC := -Wl,-Bstatic -lmicrohttpd -ljansson -lgnutls -lhogweed -lnettle -lgmp \
                     -ltasn1 -lidn2 -lunistring $(filter-out -lm -lpthread,$(LDLIBS_CORE)) \
                     -Wl,-Bdynamic -lp11-kit -lm -lpthread
SERVE_LIBS := $(if $(CLI_STATIC),$(SERVE_LIBS_STATIC),-lmicrohttpd -ljansson $(LDLIBS_CORE))
$(BUILD)/frost-serve: $(SERVE_MAIN_OBJ) $(SERVE_ARCHIVES)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(FROST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(SERVE_MAIN_OBJ) $(SERVE_ARCHIVES) \
		$(SERVE_LIBS) -Wl,-rpath,'$$ORIGIN:$$ORIGIN/../lib'

# frost-remote: the same CLI linked against libfrost.so and libfrost_import.so, which the static
# frost runs in its place for a URL (tools/frost.c, run_twin); libfrost loads the remote plugin
# from its own directory. What the CLI uses of libfrost beyond frost.h (the output file, the
# error type, url.c) comes from libfrost.a, after the shared libraries so that nothing they
# export is taken from it; the libraries are found beside it (the build) or in ../lib (install).
$(BUILD)/frost-remote: $(CLI_OBJS) $(BUILD)/libfrost_csv.a $(BUILD)/libfrost.a \
		$(BUILD)/libfrost.so $(BUILD)/libfrost_import.so
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(FROST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libfrost_csv.a \
		-L$(BUILD) -lfrost_import -lfrost $(BUILD)/libfrost.a $(LDLIBS_CLI) $(LDLIBS_CORE) \
		-Wl,-rpath,'$$ORIGIN:$$ORIGIN/../lib'

$(BUILD)/tests/%: tests/unit/%.c $(ARCHIVES) $(BUILD)/libfrost_remote.a tests/unit/testutil.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(FROST_CPPFLAGS) $(CPPFLAGS) -Itests/unit $(FROST_CFLAGS) $(CFLAGS) -Wno-missing-prototypes \
		$(LDFLAGS) $(TEST_LDFLAGS_$*) -o $@ $< \
		$(TEST_LIBS_$*) $(ARCHIVES) -lcriterion $(LDLIBS_CLI) $(LDLIBS)

tests: $(TEST_BINS)

# Fuzzing: libfrost instrumented for libFuzzer + ASan + UBSan in $(BUILD)/fuzz, one binary per
# tests/fuzz/fuzz_*.c, seeds in tests/fuzz/corpus/<name>/.
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SAN     := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60

# the server's request layer (tools/serve) comes first: it builds on the CSV layer and libfrost
FUZZ_ARCHIVES := $(BUILD)/fuzz/libfrost_serve.a $(BUILD)/fuzz/libfrost_remote.a \
                 $(ARCHIVES:$(BUILD)/%=$(BUILD)/fuzz/%)

$(FUZZ_ARCHIVES) &: $(LIB_SRCS) $(IMPORT_SRCS) $(CSV_SRCS) $(SERVE_SRCS) $(REMOTE_SRCS) \
		$(wildcard runtime/*.h format/*.h writer/*.h import/*.h tools/*/*.h remote/*.h)
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz CC=clang \
		CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_ARCHIVES)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_ARCHIVES)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(FROST_CPPFLAGS) $(FROST_CFLAGS) -Wno-missing-prototypes $(FUZZ_SAN) \
		-fsanitize=fuzzer -o $@ $< $(FUZZ_ARCHIVES) $(LDLIBS_CLI) $(LDLIBS) $(FUZZ_LIBS_$*)

fuzz-build: $(FUZZ_BINS)

# Runs every fuzzer for FUZZ_SECONDS on a scratch copy of its seeds (the committed corpus is
# not touched); new crash inputs land in $(BUILD)/fuzz/<name>-crashes/.
fuzz: $(FUZZ_BINS)
	$(Q)sh scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS)

deps:
	$(Q)sh scripts/deps.sh

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# The unit tests again, built with clang under ASan+UBSan (in build/asan).
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan CC=clang CFLAGS="$(ASAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" CLI_STATIC= tests $(BUILD)/asan/frost \
		$(BUILD)/asan/frost-serve

# Benchmarks against joblib/pickle and scikit-learn (bench/README.md); QUICK=1 for a short run.
bench: deps all
	$(Q)sh bench/run.sh $(BUILD) $(if $(QUICK),quick,full)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh scripts/demo.sh $(BUILD)

test: deps
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)sh scripts/test.sh $(BUILD)

# The .pc files are written here, for the PREFIX of this install, never taken from a build.
VERSION := 0.1.0
LIBDIR   = $(DESTDIR)$(PREFIX)/lib
# The Python package (tools/python/frost) goes where Debian's python3 looks for it: for
# PREFIX=/usr /usr/lib/python3/dist-packages, else PREFIX/lib/python3.X/dist-packages (on
# sys.path for /usr/local). From there it finds the libraries three levels up, in PREFIX/lib.
PYTHON_SITE ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')/dist-packages)
install: all
	install -d $(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	for lib in libfrost libfrost_import; do \
		install -m 644 $(BUILD)/$$lib.a $(LIBDIR)/ && \
		install -m 755 $(BUILD)/$$lib.so $(LIBDIR)/$$lib.so.$(VERSION) && \
		ln -sf $$lib.so.$(VERSION) $(LIBDIR)/$$lib.so.0 && \
		ln -sf $$lib.so.0 $(LIBDIR)/$$lib.so || exit 1; \
	done
	install -m 644 runtime/frost.h import/frost_import.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(BUILD)/libfrost_remote.so $(LIBDIR)/libfrost_remote.so.$(VERSION)
	ln -sf libfrost_remote.so.$(VERSION) $(LIBDIR)/libfrost_remote.so.0
	install -m 755 $(BUILD)/frost $(BUILD)/frost-serve $(BUILD)/frost-remote $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PYTHON_SITE)/frost
	install -m 644 tools/python/frost/*.py $(DESTDIR)$(PYTHON_SITE)/frost/
	for pc in runtime/frost import/frost_import; do \
		sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $$pc.pc.in \
			> $(LIBDIR)/pkgconfig/$${pc#*/}.pc && \
		chmod 644 $(LIBDIR)/pkgconfig/$${pc#*/}.pc || exit 1; \
	done

clean:
	rm -rf $(BUILD)

.PHONY: all tests deps install clean test demo fuzz fuzz-build asan bench
-include $(LIB_OBJS:.o=.d) $(IMPORT_OBJS:.o=.d) $(CSV_OBJS:.o=.d) $(CLI_OBJS:.o=.d) \
         $(SERVE_OBJS:.o=.d) $(SERVE_MAIN_OBJ:.o=.d) $(REMOTE_OBJS:.o=.d)
