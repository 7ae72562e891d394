# wmss build. `make` builds build/wmss and build/libwmss.a; `make install` (PREFIX,
# DESTDIR) also builds and installs libwmss.so, the public header wmss.h and wmss.pc; `make SAN=1` builds an
# AddressSanitizer + UndefinedBehaviorSanitizer variant under build-asan/.
# MPI data parallelism (src/dist) is compiled in by default; `make MPI=0` leaves it out.
# The sanitizer build defaults to MPI=0 (Open MPI's allocations trip LeakSanitizer).
CC      ?= gcc
.DEFAULT_GOAL := all
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
LDLIBS   += -L$(BLAS_DIR) -Wl,-rpath,$(BLAS_DIR) -lopenblas -lcjson -lpcre2-8 -lutf8proc -lz -lm
LDFLAGS  += -fopenmp $(SANFLAGS)

ifeq ($(SAN),1)
MPI     ?= 0
else
MPI     ?= 1
endif
ifeq ($(MPI),1)
ifneq ($(MAKECMDGOALS),clean)
MPI_CFLAGS := $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null)
ifeq ($(MPI_LIBS),)
$(error MPI=1 needs Open MPI (bash scripts/deps.sh installs libopenmpi-dev openmpi-bin); or build with make MPI=0)
endif
endif
LDLIBS   += $(MPI_LIBS)
$(BUILD)/src/dist/dist.o $(BUILD)/pic/src/dist/dist.o: CPPFLAGS += -DHAVE_MPI $(MPI_CFLAGS)
endif

LIB_SRC  := $(sort $(wildcard src/*.c src/*/*.c src/*/*/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/c/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/c/%.c=$(BUILD)/tests/%)

# ---- CUDA backend: `make CUDA=1 BUILD=build-cuda` compiles src/ops/cuda/*.cu with nvcc
# into libwmss.a (sm_90) and links cuBLAS; CUDA=0 (the default) changes nothing. --------
CUDA ?= 0
ifeq ($(CUDA),1)
CUDA_HOME ?= /usr/local/cuda
NVCC      ?= $(CUDA_HOME)/bin/nvcc
NVCCFLAGS ?= -O3 -std=c++17 -gencode arch=compute_90,code=sm_90 -Xcompiler -fPIC
CU_SRC    := $(sort $(wildcard src/ops/cuda/*.cu))
CU_OBJ    := $(CU_SRC:%.cu=$(BUILD)/%.o)
LIB_OBJ   += $(CU_OBJ)
CPPFLAGS  += -DWMSS_CUDA
LDLIBS    += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudart_static -lcublasLt -lcublas -ldl -lrt \
             -lpthread -lstdc++
$(BUILD)/src/ops/cuda/%.o: src/ops/cuda/%.cu src/ops/cuda/cuda_common.h src/ops/backend.h src/error.h src/ops.h
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -Isrc -DWMSS_CUDA -c -o $@ $<
endif
# Only src/ops/dispatch.c depends on CUDA=: rebuild it when the setting changes.
$(BUILD)/src/ops/dispatch.o: $(BUILD)/.cuda-setting
$(BUILD)/.cuda-setting: FORCE
	@mkdir -p $(dir $@); echo "CUDA=$(CUDA)" | cmp -s - $@ || echo "CUDA=$(CUDA)" > $@
# ---- end CUDA backend -------------------------------------------------------------------

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

# The code benchmarks' harness is embedded with .incbin (the compiler does not track it).
$(BUILD)/src/eval/code_harness.o $(BUILD)/pic/src/eval/code_harness.o: src/eval/code_harness.py

# The shared library: the same sources compiled position-independent in their own
# object folder (the static library and the binary keep the non-PIC objects).
PIC_OBJ := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -MMD -MP -c -o $@ $<
$(BUILD)/libwmss.so: $(PIC_OBJ)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libwmss.so -o $@ $(PIC_OBJ) $(LDLIBS)

# The public header: generated from these module headers and the src/ headers they
# include (scripts/gen_wmss_h.sh); every other header is internal.
PUBLIC_HEADERS := device.h model.h tokenizer.h chat.h dataset.h data_setup.h microbatch.h trainer.h train_setup.h score.h \
                  select.h entropy_file.h wdds.h algorithm.h generate.h gen_setup.h grade.h evaluate.h compare.h \
                  sandbox.h code.h grade_file.h
$(BUILD)/include/wmss.h: scripts/gen_wmss_h.sh $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	bash scripts/gen_wmss_h.sh $(PUBLIC_HEADERS) > $@.tmp && mv $@.tmp $@

PREFIX  ?= /usr/local
DESTDIR ?=
lib: $(BUILD)/libwmss.a $(BUILD)/libwmss.so $(BUILD)/include/wmss.h
install: $(BUILD)/wmss lib
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/wmss $(DESTDIR)$(PREFIX)/bin/wmss
	install -m 644 $(BUILD)/libwmss.a $(DESTDIR)$(PREFIX)/lib/libwmss.a
	install -m 755 $(BUILD)/libwmss.so $(DESTDIR)$(PREFIX)/lib/libwmss.so
	install -m 644 $(BUILD)/include/wmss.h $(DESTDIR)$(PREFIX)/include/wmss.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBS_PRIVATE@|$(strip $(LDFLAGS) $(LDLIBS))|' wmss.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/wmss.pc

# Only src/dist/dist.c depends on MPI=: rebuild it when the setting changes.
$(BUILD)/src/dist/dist.o: $(BUILD)/.mpi-setting
$(BUILD)/.mpi-setting: FORCE
	@mkdir -p $(dir $@); echo "MPI=$(MPI)" | cmp -s - $@ || echo "MPI=$(MPI)" > $@
FORCE:

# Benchmarks (not run by the test suite): make bench, then build/bench/bench_*
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
bench: $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: bench/%.c $(BUILD)/libwmss.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libwmss.a $(LDLIBS)

# libFuzzer targets (clang): make fuzz, then e.g. build-fuzz/fuzz_safetensors -max_total_time=300
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_LIB := $(filter-out src/eval/grade_file.c,$(sort $(wildcard src/*.c src/io/*.c src/model/*.c src/ops/*.c src/ops/cpu/*.c src/eval/grade_*.c)))
fuzz: $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
build-fuzz/%: fuzz/%.c $(FUZZ_LIB)
	@mkdir -p build-fuzz
	clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS) -fopenmp -o $@ $< $(FUZZ_LIB) $(LDLIBS)

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all clean fuzz bench lib install FORCE
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(PIC_OBJ:.o=.d)
