# wmss build. `make` builds build/wmss and build/libwmss.a; `make SAN=1` builds an
# AddressSanitizer + UndefinedBehaviorSanitizer variant under build-asan/.
CC      ?= gcc
SAN     ?= 0
ifeq ($(SAN),1)
BUILD   ?= build-asan
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     ?= -O1
else
BUILD   ?= build
SANFLAGS =
OPT     ?= -O2 -march=x86-64-v2
endif

# OpenBLAS built on OpenMP (libopenblas-openmp-dev): BLAS and our OpenMP loops share one
# thread pool. The pthread build's threads would spin against OpenMP's on the same cores.
BLAS_DIR := /usr/lib/x86_64-linux-gnu/openblas-openmp
CPPFLAGS += -Isrc -I/usr/include/x86_64-linux-gnu/openblas-openmp -D_GNU_SOURCE
CFLAGS   += -std=c17 $(OPT) -g -Wall -Wextra -Wshadow -Wno-unused-parameter -fopenmp $(SANFLAGS)
LDLIBS   += -L$(BLAS_DIR) -Wl,-rpath,$(BLAS_DIR) -lopenblas -lcjson -lpcre2-8 -lutf8proc -lm
LDFLAGS  += -fopenmp $(SANFLAGS)

LIB_SRC  := $(sort $(wildcard src/*.c src/*/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/c/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/c/%.c=$(BUILD)/tests/%)

all: $(BUILD)/wmss $(TEST_BIN)

$(BUILD)/libwmss.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/wmss: $(CLI_OBJ) $(BUILD)/libwmss.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libwmss.a $(LDLIBS)

$(BUILD)/tests/%: tests/c/%.c tests/c/check.h $(BUILD)/libwmss.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/c $(LDFLAGS) -o $@ $< $(BUILD)/libwmss.a $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Benchmarks (not run by the test suite): make bench, then build/bench/bench_*
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
bench: $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: bench/%.c $(BUILD)/libwmss.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libwmss.a $(LDLIBS)

# libFuzzer targets (clang): make fuzz, then e.g. build-fuzz/fuzz_safetensors -max_total_time=300
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_LIB := $(sort $(wildcard src/*.c src/io/*.c src/model/*.c src/ops/*.c src/eval/grade_*.c))
fuzz: $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
build-fuzz/%: fuzz/%.c $(FUZZ_LIB)
	@mkdir -p build-fuzz
	clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS) -fopenmp -o $@ $< $(FUZZ_LIB) $(LDLIBS)

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all clean fuzz bench
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
