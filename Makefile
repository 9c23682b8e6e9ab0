# frost — one Makefile; each module lists its sources in its own module.mk.
#   make            build/frost, build/libfrost.so, build/libfrost.a
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
CPPFLAGS  += -D_GNU_SOURCE -Iruntime -Iformat -Itools
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 $(WARN) -fPIC -fvisibility=hidden -pthread
LDLIBS    := -luring -llz4 -lxxhash -lz -lbz2 -llzma -lm -lpthread

LIB_SRCS  :=
CLI_SRCS  :=
UNIT_TESTS :=
include format/module.mk runtime/module.mk tools/module.mk tests/module.mk

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS := $(UNIT_TESTS:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/libfrost.a $(BUILD)/libfrost.so $(BUILD)/frost $(BUILD)/frost.pc

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libfrost.a: $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libfrost.so: $(LIB_OBJS) runtime/libfrost.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libfrost.so.0 -Wl,--version-script=runtime/libfrost.map \
		$(LDFLAGS) -o $@ $(LIB_OBJS) $(LDLIBS)

# The CLI links libfrost statically so it runs from any directory without LD_LIBRARY_PATH.
$(BUILD)/frost: $(CLI_OBJS) $(BUILD)/libfrost.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libfrost.a $(LDLIBS)

$(BUILD)/frost.pc: runtime/frost.pc.in Makefile
	@mkdir -p $(BUILD)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|0.1.0|g' $< > $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libfrost.a tests/unit/testutil.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -Wno-missing-prototypes -o $@ $< \
		$(BUILD)/libfrost.a -lcriterion $(LDLIBS)

tests: $(TEST_BINS)

deps:
	$(Q)sh scripts/deps.sh

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# The unit tests again, built with clang under ASan+UBSan (in build/asan).
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan CC=clang CFLAGS="$(ASAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" tests

test: deps
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)sh scripts/test.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(BUILD)/libfrost.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libfrost.so $(DESTDIR)$(PREFIX)/lib/libfrost.so.0.1.0
	ln -sf libfrost.so.0.1.0 $(DESTDIR)$(PREFIX)/lib/libfrost.so.0
	ln -sf libfrost.so.0 $(DESTDIR)$(PREFIX)/lib/libfrost.so
	install -m 644 runtime/frost.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(BUILD)/frost $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/frost.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

clean:
	rm -rf $(BUILD)

.PHONY: all tests deps install clean test demo fuzz asan bench
-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
