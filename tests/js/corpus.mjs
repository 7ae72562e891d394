// Deterministic (seeded) corpus for the tokenizer parity test and benchmark.
//
//   makeCorpus(seed = 1, n = 2400) -> array of strings
//
// Covers English prose, code in several languages with tabs and indentation, digit runs,
// contractions in mixed case, CJK, Arabic, Hindi and other scripts, emoji with ZWJ
// sequences and skin tones, combining marks in NFC and NFD forms, runs of spaces and
// mixed \r\n, text containing special-token strings (whole and partial), very long words,
// the empty string, and random mixtures of all of these.
//
// Left out on purpose: U+0085 (NEL), U+FEFF and U+180E, where JavaScript's \s (used by the
// transformers.js oracle) and Oniguruma's \s (used by Hugging Face's Rust tokenizers, and
// by us) disagree; "'ſ" (long s) followed by letters, which Oniguruma's case-insensitive
// (?i:'s) splits and the oracle's rewritten [sS] does not; and characters added in Unicode
// 15+, where the engines' Unicode tables differ. tests/c/test_tokenizer.c checks our side
// of the U+0085 case.

export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = `the of and to in is was that for it with as on be by this at from or an are have not
but had his they which you were her she there all their one would we been has more will if no
when what out so up said about its into than them can only other new some could time these two
may then do first any my now such like our over man me even most made after also did many before
must through back years where much your way well down should because each just those people how
too little state good very make world still own see men work long get here between both life being
under never day same another know while last might us great old year off come since against go came
right used take three Government Tokenizer Hugging Face Qwen Llama Gemma London Paris OpenAI naïve
résumé coöperate façade Zürich São Paulo Ångström jalapeño piñata über déjà vu`.split(/\s+/);

const CONTRACTIONS = ["I'm", "I'M", "i'M", "DON'T", "don't", "Don'T", "we'll", "WE'LL", "We'Ll", "they're",
  "THEY'RE", "They'Re", "it's", "IT'S", "It'S", "you've", "YOU'VE", "he'd", "HE'D", "She'D", "can't", "CAN'T",
  "won't", "Y'ALL", "o'clock", "rock'n'roll", "'s", "'S", "'t", "'re", "'VE", "'m", "'ll", "'D", "''", "'", "l'été",
  "’s", "I’M", "DON’T"];

const CODE = [
  "def fib(n):\n\tif n < 2:\n\t\treturn n\n\treturn fib(n - 1) + fib(n - 2)\n",
  "class Foo:\n    def __init__(self, x: int = 0) -> None:\n        self.x = x  # comment\n\n    def __repr__(self):\n        return f\"Foo({self.x!r})\"\n",
  "#include <stdio.h>\n\nint main(int argc, char **argv) {\n\tfor (int i = 0; i < argc; i++)\n\t\tprintf(\"%d: %s\\n\", i, argv[i]);\n\treturn 0;\n}\n",
  "const add = (a, b) => a + b;\nexport default function App() {\n  return <div className=\"app\">{items.map(x => <Item key={x.id} {...x} />)}</div>;\n}\n",
  "fn main() {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!(\"{:?}\", v);\n}\n",
  "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tch := make(chan int, 3)\n\tgo func() { ch <- 42 }()\n\tfmt.Println(<-ch)\n}\n",
  "SELECT u.id, COUNT(*) AS n\nFROM users u\n  JOIN orders o ON o.user_id = u.id\nWHERE o.total >= 100.50\nGROUP BY u.id\nORDER BY n DESC;\n",
  "<!DOCTYPE html>\n<html>\n  <body>\n    <p class='x'>Hello &amp; welcome</p>\n  </body>\n</html>\n",
  "#!/bin/bash\nset -euo pipefail\nfor f in *.txt; do\n\techo \"$f\" | sed 's/a/b/g' >> out.log\ndone\n",
  "\t\t\tdeeply_indented = {'a': [1, 2, 3], \"b\": None}\r\n\t\t\treturn deeply_indented\r\n",
  "    if (x != y && z >= 0 || !w) { x <<= 2; y >>= 1; z ^= ~w; }\n",
  "public static void main(String[] args) throws IOException {\n        System.out.println(\"Hi\");\n    }\n",
  "$ pip install torch==2.1.0 && python -c 'import torch; print(torch.__version__)'\n",
  "{\"key\": [1, 2.5e-3, true, null], \"nested\": {\"a\": \"\\u00e9\"}}",
  "   \n\n\n   x = 1\n\n\n\n\ty = 2   \n",
];


const SCRIPTS = [
  "我们今天去公园散步，天气非常好。", "東京都渋谷区で会議があります。", "ひらがなとカタカナのテスト", "한국어 문장을 토큰화합니다.",
  "مرحبا بالعالم، هذا اختبار للنص العربي.", "नमस्ते दुनिया, यह हिंदी पाठ का परीक्षण है।", "Привет, мир! Как дела?",
  "Γειά σου Κόσμε", "שלום עולם", "สวัสดีชาวโลก", "Xin chào thế giới", "Ողջույն աշխարհ", "გამარჯობა მსოფლიო",
  "ሰላም ለዓለም", "வணக்கம் உலகம்", "ನಮಸ್ಕಾರ ಜಗತ್ತು", "Witaj świecie, żółć", "İstanbul'da ığdır ŞĞÜ",
  "中文English混合123テキスト", "𠀀𠀁𪚥 rare CJK ext B", "ﬁ ﬂ ligatures and ＦＵＬＬＷＩＤＴＨ ｋａｔａｋａｎａ ｶﾀｶﾅ",
  "½ ¾ ² ³ ١٢٣ ४५६ ⅫⅣ ①②", "™ © ® § ¶ † ‡ • … ‰ ′ ″ € £ ¥ ₹ ₿",
];

const EMOJI = ["😀", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "🇺🇸🇬🇧", "❤️", "✌🏿", "🧑🏻‍🤝‍🧑🏿", "1️⃣", "#️⃣",
  "👁️‍🗨️", "🤷‍♀️", "🫠", "🐈‍⬛", "🙂🙃", "💯🔥", "⭐️", "🦀🐍"];

const COMBINING = ["café", "cafe\u0301", "naïve", "nai\u0308ve", "Ångström", "A\u030angstro\u0308m", "Việt Nam",
  "Vie\u0323\u0302t Nam", "e\u0301\u0301\u0301", "Z\u0351\u0364\u0306a\u0313\u0359l\u0310g\u0365o\u0314",
  "\u0301leading mark", "ḱ\u0301", "한\u1100\u1161", "\u1112\u1161\u11ab", "ñ vs n\u0303", "ç vs c\u0327",
  "Å vs \u212b (angstrom sign)", "Ω vs \u2126 (ohm)", "ﬀ"];

const SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>",
  "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>",
  "<|reserved_special_token_5|>", "<bos>", "<eos>", "<pad>", "<unk>", "<start_of_turn>", "<end_of_turn>",
  "<start_of_image>", "<mask>", "<unused7>", "[multimodal]", "<|im_end", "|im_end|>", "<|im_end|><|im_end|>",
  "<|im_start|>user\n", "<<|im_end|>>", "<|fim_prefix|>", "<|file_sep|>"];

const SPACES = [" ", "  ", "   ", "    ", "        ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", "\r", " \n",
  "\n ", " \t \n", "\u00a0", "\u3000", "\u2009", "\u2028", "  \r\n  ", "\n\n\n\n", "                "];

function pick(r, a) { return a[Math.floor(r() * a.length)]; }
function int(r, lo, hi) { return lo + Math.floor(r() * (hi - lo + 1)); }

function prose(r) {
  const n = int(r, 3, 40);
  let s = "";
  for (let i = 0; i < n; i++) {
    let w = pick(r, WORDS);
    if (i === 0 || r() < 0.1) w = w[0].toUpperCase() + w.slice(1);
    if (r() < 0.03) w = w.toUpperCase();
    s += (i ? " " : "") + w;
    if (r() < 0.12) s += pick(r, [",", ".", ";", ":", "!", "?", " —", "...", ")", "\"", "'s"]);
    if (r() < 0.05) s += " " + pick(r, CONTRACTIONS);
  }
  return s + pick(r, [".", "!", "?", "", "\n"]);
}

function digits(r) {
  const k = int(r, 0, 7);
  const run = () => { let s = ""; const n = int(r, 1, 40); for (let i = 0; i < n; i++) s += String(int(r, 0, 9)); return s; };
  switch (k) {
    case 0: return run();
    case 1: return `${run()}.${run()}`;
    case 2: return `+1 (${int(r, 100, 999)}) ${int(r, 100, 999)}-${int(r, 1000, 9999)}`;
    case 3: return `${int(r, 1, 9999999)},${int(r, 100, 999)},${int(r, 100, 999)}`;
    case 4: return `v${int(r, 0, 9)}.${int(r, 0, 99)}.${int(r, 0, 999)}-rc${int(r, 1, 9)}`;
    case 5: return `x${run()}y${run()} ${run()}px`;
    case 6: return `${int(r, 1900, 2100)}-${String(int(r, 1, 12)).padStart(2, "0")}-${String(int(r, 1, 28)).padStart(2, "0")}T12:${int(r, 10, 59)}:00Z`;
    default: return `${run()} ${run()}\t${run()}\n${run()}`;
  }
}

function longWord(r) {
  const k = int(r, 0, 5);
  const n = int(r, 200, 3000);
  switch (k) {
    case 0: return pick(r, ["a", "z", "é", "中", "😀", "_", "-", " ", "\n", "0", "ab"]).repeat(Math.ceil(n / 2));
    case 1: { let s = ""; for (let i = 0; i < n; i++) s += String.fromCharCode(97 + int(r, 0, 25)); return s; }
    case 2: { const b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"; let s = ""; for (let i = 0; i < n; i++) s += b[int(r, 0, 63)]; return s + "=="; }
    case 3: return "https://example.com/" + Array.from({ length: int(r, 5, 60) }, () => pick(r, WORDS)).join("/") + "?q=" + digits(r);
    case 4: return "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(int(r, 1, 40));
    default: return Array.from({ length: int(r, 50, 400) }, () => pick(r, SCRIPTS)).join("");
  }
}

function randomChars(r) {
  // Characters from assigned, long-stable ranges (no surrogates, no Unicode 15+ additions).
  const ranges = [[0x20, 0x7e], [0xa1, 0x17f], [0x370, 0x3ff], [0x400, 0x4ff], [0x5d0, 0x5ea], [0x621, 0x64a],
    [0x905, 0x939], [0xe01, 0xe3a], [0x3041, 0x3096], [0x30a1, 0x30fa], [0x4e00, 0x9fa5], [0xac00, 0xd7a3],
    [0x2000, 0x200a], [0x2010, 0x2027], [0x2190, 0x21ff], [0x2200, 0x22ff], [0x1f600, 0x1f64f], [0x1f300, 0x1f5ff],
    [0x1d400, 0x1d4ff], [0x0300, 0x036f], [0xff01, 0xff5e], [0x09, 0x0d]];
  let s = "";
  const n = int(r, 1, 60);
  for (let i = 0; i < n; i++) {
    const [lo, hi] = pick(r, ranges);
    const cp = int(r, lo, hi);
    if (cp === 0x85 || cp === 0xfeff || cp === 0x180e) continue;
    s += String.fromCodePoint(cp);
  }
  return s;
}

function fragment(r) {
  switch (int(r, 0, 11)) {
    case 0: case 1: return prose(r);
    case 2: return pick(r, CODE);
    case 3: return digits(r);
    case 4: return pick(r, CONTRACTIONS);
    case 5: return pick(r, SCRIPTS);
    case 6: return Array.from({ length: int(r, 1, 6) }, () => pick(r, EMOJI)).join(pick(r, ["", " ", "\u200d"]));
    case 7: return pick(r, COMBINING);
    case 8: return pick(r, SPECIALS);
    case 9: return pick(r, SPACES);
    case 10: return randomChars(r);
    default: return pick(r, WORDS);
  }
}

export function makeCorpus(seed = 1, n = 2400) {
  const r = rng(seed);
  const out = ["", " ", "\n", "a", "I'M", "DON'T", "<|im_end|>", "<bos>", "\r\n", "   leading and trailing   "];
  for (const x of [...CODE, ...SCRIPTS, ...EMOJI, ...COMBINING, ...SPECIALS, ...SPACES, ...CONTRACTIONS]) out.push(x);
  for (const x of COMBINING) out.push(x.normalize("NFD"), x.normalize("NFC"));
  for (let i = 0; i < 40; i++) out.push(longWord(r));
  while (out.length < n) {
    const k = r();
    if (k < 0.15) out.push(prose(r));
    else if (k < 0.25) out.push(pick(r, CODE).replace(/x/g, pick(r, WORDS)));
    else if (k < 0.32) out.push(digits(r));
    else if (k < 0.40) out.push(randomChars(r));
    else {
      const m = int(r, 2, 8);
      let s = "";
      for (let i = 0; i < m; i++) s += fragment(r) + (r() < 0.5 ? pick(r, SPACES) : "");
      out.push(s);
    }
  }
  return out;
}
