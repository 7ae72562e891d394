# The test harness of the code benchmarks. It runs INSIDE the sandbox (src/sandbox.h),
# one process per graded program, and is embedded in libwmss (code_harness.c). It reads
# job.json from its folder and writes one JSON verdict to fd 3:
#   {"passed": bool, "base_passed": bool, "reason": "...", "detail": "...",
#    "n_tests": N, "n_passed": K, "canonical_s": seconds}
# Modes:
#   check    HumanEval: exec(code); exec(test); check(entry_point)
#   asserts  MBPP: exec(setup); exec(code); each assert of tests, in order
#   plus     HumanEval+ (EvalPlus): the canonical solution's outputs on the base and plus
#            inputs first (timed), then the candidate on each input with a per-input time
#            limit max(time_floor, time_factor * canonical time), compared exactly or,
#            for floats, within atol (1e-6 when atol is 0) as EvalPlus does.
# With "sanitize": the code is reduced to the entry point and what it needs (imports,
# the top-level functions, classes and assignments it reaches), as EvalPlus's sanitizer.
import ast, copy, json, linecache, math, os, signal, sys, time, traceback

_res_fd = os.dup(3)
os.close(3)
_reported = False


def report(**kw):
    global _reported
    if _reported:
        return
    _reported = True
    data = json.dumps(kw).encode()
    while data:
        n = os.write(_res_fd, data)
        data = data[n:]


class Timeout(BaseException):
    pass


class OutputLimit(BaseException):
    pass


class Sink:  # the candidate's sys.stdout / sys.stderr: discarded, capped
    limit = 1 << 20
    used = 0

    def write(self, s):
        Sink.used += len(s)
        if Sink.used > Sink.limit:
            raise OutputLimit()
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False


def reason_of(exc):
    if isinstance(exc, Timeout):
        return "timeout", "per-input time limit"
    if isinstance(exc, OutputLimit):
        return "output limit", "printed more than 1 MiB"
    if isinstance(exc, MemoryError):
        return "memory", "MemoryError"
    if isinstance(exc, OSError) and exc.errno == 27:  # EFBIG: RLIMIT_FSIZE
        return "file size", str(exc)[:300]
    if isinstance(exc, AssertionError):
        msg = str(exc)
        if not msg:  # the failing assert's source line
            tb = traceback.extract_tb(exc.__traceback__)
            if tb and tb[-1].line:
                msg = "%s:%d: %s" % (tb[-1].filename, tb[-1].lineno, tb[-1].line)
        return "assertion", msg[:300]
    return "exception", (type(exc).__name__ + ": " + str(exc))[:300]


def compile_src(src, name):  # with its source in linecache, for tracebacks
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    return compile(src, name, "exec")


def on_alarm(sig, frame):
    raise Timeout()


def sanitize(code, entry_point):
    lines = code.split("\n")
    tree = None
    while lines:
        try:
            tree = ast.parse("\n".join(lines))
            break
        except SyntaxError:
            lines.pop()  # the longest prefix that parses (a cut-off answer)
    if tree is None:
        return code
    src = "\n".join(lines)
    defs, order, imports = {}, [], []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.name] = node
            order.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            for nm in names:
                defs[nm] = node
            if names:
                order.append(node)
    keep = set()
    if entry_point in defs:
        todo = [entry_point]
        while todo:
            nm = todo.pop()
            node = defs.get(nm)
            if node is None or id(node) in keep:
                continue
            keep.add(id(node))
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id in defs:
                    todo.append(sub.id)
    else:
        keep = {id(n) for n in order}
    parts = [ast.get_source_segment(src, n) for n in imports]
    parts += [ast.get_source_segment(src, n) for n in order if id(n) in keep]
    out = []
    for n, p in zip(imports + [n for n in order if id(n) in keep], parts):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.decorator_list:
            p = "\n".join("@" + ast.get_source_segment(src, d) for d in n.decorator_list) + "\n" + p
        out.append(p)
    return "\n".join(out) + "\n"


def is_floats(x):
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


def allclose(a, b, rtol, atol):  # numpy.allclose on numbers and (nested) sequences
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not isinstance(a, (list, tuple)) or not isinstance(b, (list, tuple)) or len(a) != len(b):
            return False
        return all(allclose(x, y, rtol, atol) for x, y in zip(a, b))
    a, b = float(a), float(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def poly(xs, x):
    return sum(c * math.pow(x, i) for i, c in enumerate(xs))


def matches(job, inp, out, exp):
    atol = job.get("atol", 0.0)
    if job["entry_point"] == "find_zero":  # HumanEval/32: any root is right
        return abs(poly(*inp, out)) <= atol
    exact = out == exp
    if atol == 0 and is_floats(exp):
        atol = 1e-6
    if not exact and atol != 0:
        if type(out) != type(exp):
            return False
        if isinstance(exp, (list, tuple)) and len(out) != len(exp):
            return False
        return allclose(out, exp, 1e-7, atol)
    return bool(exact)


def run_candidate(job, code):
    g = {"__name__": "__wmss_candidate__", "__builtins__": __builtins__}
    exec(compile_src(code, "solution.py"), g)
    if job.get("setup"):  # MBPP's test_setup_code may use the solution's classes (task 367)
        exec(compile_src(job["setup"], "setup.py"), g)
    return g


def main():
    with open("job.json") as f:
        job = json.load(f)
    os.unlink("job.json")
    signal.signal(signal.SIGALRM, on_alarm)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    code = job["code"]
    if job.get("sanitize"):
        code = sanitize(code, job["entry_point"])
    mode = job["mode"]
    result = {"passed": False, "base_passed": False, "reason": "", "detail": "", "n_tests": 0, "n_passed": 0}
    expected, limits, canon_s = [], [], 0.0
    inputs = []
    if mode == "plus":
        inputs = job["inputs"]
        try:
            cg = {"__name__": "__wmss_canonical__"}
            exec(compile(job["canonical"], "canonical.py", "exec"), cg)
            cfn = cg[job["entry_point"]]
            for k, inp in enumerate(inputs):
                t = time.perf_counter()
                expected.append(cfn(*copy.deepcopy(inp)))
                dt = time.perf_counter() - t
                canon_s += dt
                limits.append(max(job["time_floor"], job["time_factor"] * dt))
        except BaseException as exc:
            r, d = reason_of(exc)
            result.update(reason="canonical failed", detail="input %d: %s: %s" % (len(expected), r, d),
                          n_tests=len(inputs))
            report(**result)
            return
        result["canonical_s"] = canon_s
    real_out, real_err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = Sink()
    sys.stdin = open(os.devnull)
    try:
        g = run_candidate(job, code)
    except BaseException as exc:
        sys.stdout, sys.stderr = real_out, real_err
        r, d = reason_of(exc)
        result.update(reason=r, detail="while loading the solution: " + d)
        if mode == "check":
            result["n_tests"] = 1
        elif mode == "asserts":
            result["n_tests"] = len(job["tests"])
        else:
            result["n_tests"] = len(inputs)
        report(**result)
        return
    if mode == "check":
        result["n_tests"] = 1
        try:
            exec(compile_src(job["test"], "test.py"), g)
            g["check"](g[job["entry_point"]])
            result.update(passed=True, base_passed=True, n_passed=1)
        except BaseException as exc:
            r, d = reason_of(exc)
            result.update(reason=r, detail=d)
    elif mode == "asserts":
        tests = job["tests"]
        result["n_tests"] = len(tests)
        ok = 0
        try:
            for k, t in enumerate(tests):
                exec(compile_src(t, "test_%d.py" % k), g)
                ok += 1
            result.update(passed=True, base_passed=True)
        except BaseException as exc:
            r, d = reason_of(exc)
            result.update(reason=r, detail="test %d: %s" % (ok, d))
        result["n_passed"] = ok
    else:
        result["n_tests"] = len(inputs)
        n_base = job["n_base"]
        fn = g.get(job["entry_point"])
        base_ok, plus_ok, ok = True, True, 0
        if not callable(fn):
            result.update(reason="exception", detail="NameError: no function %s" % job["entry_point"])
            base_ok = plus_ok = False
        else:
            # Base inputs, then plus inputs; each part stops at its first failure.
            for part, lo, hi in (("base", 0, n_base), ("plus", n_base, len(inputs))):
                for i in range(lo, hi):
                    try:
                        signal.setitimer(signal.ITIMER_REAL, limits[i])
                        try:
                            out = fn(*copy.deepcopy(inputs[i]))
                        finally:
                            signal.setitimer(signal.ITIMER_REAL, 0)
                        good = matches(job, inputs[i], out, expected[i])
                        if not good:
                            raise AssertionError("wrong output")
                        ok += 1
                    except BaseException as exc:
                        r, d = reason_of(exc)
                        if not result["reason"]:
                            result.update(reason=r, detail="%s input %d: %s" % (part, i - lo, d))
                        if part == "base":
                            base_ok = False
                        else:
                            plus_ok = False
                        break
        result.update(passed=base_ok and plus_ok, base_passed=base_ok, n_passed=ok)
    sys.stdout, sys.stderr = real_out, real_err
    report(**result)


if __name__ == "__main__":
    main()
    os._exit(0)
