#!/usr/bin/env bash
# Malformed model directories and inputs given to the CLI: each must fail with a
# non-zero exit (not a crash), a message naming the file and the fault, and leave
# existing outputs untouched.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fails=0; n=0
PY=/usr/bin/python3

"$WMSS" init-model --out "$T/good" --seed 1 --vocab-size 64 --layers 1 >/dev/null || { echo "init-model failed"; exit 1; }
printf 'precious' > "$T/out.bin"

# expect NAME NEEDLE -- command...: exit status 1 or 2 and NEEDLE in stderr.
expect() {
    local name=$1 needle=$2; shift 3
    n=$((n + 1))
    "$@" >"$T/stdout" 2>"$T/stderr"; local rc=$?
    if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then
        echo "FAIL $name: exit status $rc (want 1 or 2)"; cat "$T/stderr"; fails=$((fails + 1)); return
    fi
    if ! grep -qF -- "$needle" "$T/stderr"; then
        echo "FAIL $name: stderr lacks '$needle':"; cat "$T/stderr"; fails=$((fails + 1)); return
    fi
    if [ "$(cat "$T/out.bin")" != precious ]; then
        echo "FAIL $name: an existing output was overwritten"; fails=$((fails + 1)); return
    fi
    echo "ok   $name: $(head -c 300 "$T/stderr")"
}
clone() { rm -rf "$T/$1"; cp -r "$T/good" "$T/$1"; }
# Rewrites a safetensors file's header through a Python expression on `h` (a dict).
edit_header() {
    $PY - "$1" "$2" <<'PY'
import json, struct, sys
path, expr = sys.argv[1], sys.argv[2]
raw = open(path, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
h = json.loads(raw[8:8 + n]); data = raw[8 + n:]
exec(expr)
hb = json.dumps(h).encode(); hb += b' ' * (-len(hb) % 8)
open(path, 'wb').write(struct.pack('<Q', len(hb)) + hb + data)
PY
}
logits() { "$WMSS" logits --model "$1" --ids "1,2,3" --out "$T/out.bin"; }

clone missing_tensor; edit_header "$T/missing_tensor/model.safetensors" 'del h["model.norm.weight"]'
expect missing_tensor "tensor 'model.norm.weight' is missing" -- logits "$T/missing_tensor"

clone shape_vs_config; $PY - "$T/shape_vs_config/config.json" <<'PY'
import json, sys; p = sys.argv[1]; c = json.load(open(p)); c["intermediate_size"] = 100; json.dump(c, open(p, "w"))
PY
expect shape_vs_config "but config.json implies" -- logits "$T/shape_vs_config"

clone unexpected_tensor; edit_header "$T/unexpected_tensor/model.safetensors" 'h["model.extra.weight"] = {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}'
expect unexpected_tensor "model.safetensors: unexpected tensor 'model.extra.weight'" -- logits "$T/unexpected_tensor"

clone truncated; size=$(stat -c %s "$T/truncated/model.safetensors"); truncate -s $((size - 100)) "$T/truncated/model.safetensors"
expect truncated "model.safetensors: tensor" -- logits "$T/truncated"

clone bad_dtype; edit_header "$T/bad_dtype/model.safetensors" 'h["model.norm.weight"]["dtype"] = "Q4"'
expect bad_dtype 'unknown dtype "Q4"' -- logits "$T/bad_dtype"

clone int_dtype; edit_header "$T/int_dtype/model.safetensors" 'h["model.norm.weight"]["dtype"] = "I32"'
expect int_dtype "only F32, BF16 and F16 can be loaded" -- logits "$T/int_dtype"

clone bad_config_json; echo '{"architectures": ["Qwen3ForCausalLM"], ' > "$T/bad_config_json/config.json"
expect bad_config_json "config.json: not valid JSON" -- logits "$T/bad_config_json"

clone unknown_arch; sed -i 's/Qwen3ForCausalLM/MambaForCausalLM/' "$T/unknown_arch/config.json"
expect unknown_arch 'architecture "MambaForCausalLM" is not supported' -- logits "$T/unknown_arch"

clone rope_scaling; $PY - "$T/rope_scaling/config.json" <<'PY'
import json, sys; p = sys.argv[1]; c = json.load(open(p)); c["rope_scaling"] = {"rope_type": "yarn", "factor": 4.0}; json.dump(c, open(p, "w"))
PY
expect rope_scaling 'RoPE type "yarn"' -- logits "$T/rope_scaling"

clone sliding; $PY - "$T/sliding/config.json" <<'PY'
import json, sys; p = sys.argv[1]; c = json.load(open(p)); c["use_sliding_window"] = True; json.dump(c, open(p, "w"))
PY
expect sliding_window '"use_sliding_window" is true' -- logits "$T/sliding"

clone bad_heads; $PY - "$T/bad_heads/config.json" <<'PY'
import json, sys; p = sys.argv[1]; c = json.load(open(p)); c["num_key_value_heads"] = 3; json.dump(c, open(p, "w"))
PY
expect bad_heads "is not a multiple of num_key_value_heads" -- logits "$T/bad_heads"

clone no_weights; rm "$T/no_weights/model.safetensors"
expect no_weights "no model.safetensors or model.safetensors.index.json" -- logits "$T/no_weights"

clone empty_weights; : > "$T/empty_weights/model.safetensors"
expect empty_weights "model.safetensors: file is 0 bytes" -- logits "$T/empty_weights"

expect not_a_dir "not a directory" -- logits "$T/nonexistent"
expect id_out_of_vocab "outside the vocabulary" -- "$WMSS" logits --model "$T/good" --ids "1,64" --out "$T/out.bin"
expect ids_malformed "--ids: unexpected" -- "$WMSS" logits --model "$T/good" --ids "1,2x" --out "$T/out.bin"
expect ids_empty_seq "--ids: expected a token id" -- "$WMSS" logits --model "$T/good" --ids "1;;2" --out "$T/out.bin"
expect init_refuses_overwrite "already holds a model" -- "$WMSS" init-model --out "$T/good"
expect unknown_option "unknown option" -- "$WMSS" logits --model "$T/good" --bogus

echo "$((n - fails)) of $n bad-input cases handled"
[ $fails -eq 0 ]
