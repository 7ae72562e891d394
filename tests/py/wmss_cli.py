"""Helpers the Python tests share: running the wmss CLI, reading its JSON lines, writing
token-id data, and the relative error every parity check reports."""

import json
import os
import subprocess

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WMSS = os.environ.get("WMSS") or os.path.join(ROOT, "build", "wmss")


class CaseFailure(Exception):
    pass


def sh(args, what, timeout=600):
    """Runs wmss with args; a non-zero exit or a timeout is a CaseFailure naming `what`."""
    try:
        r = subprocess.run([WMSS] + args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CaseFailure(f"{what}: wmss {args[0]} timed out")
    if r.returncode != 0:
        tail = (r.stderr or r.stdout).strip().splitlines()[-5:]
        raise CaseFailure(f"{what}: wmss {' '.join(args)} exited {r.returncode}: " + " | ".join(tail))
    return r


def last_json(stdout, what):
    """The last JSON object line of a command's output."""
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                break
    raise CaseFailure(f"{what}: no JSON line on stdout: {stdout.strip()[-200:]!r}")


def write_data(path, examples):
    """JSONL of {"input_ids", "completion_mask"} from (ids, mask or None) pairs."""
    with open(path, "w") as f:
        for ids, mask in examples:
            o = {"input_ids": ids}
            if mask is not None:
                o["completion_mask"] = mask
            f.write(json.dumps(o) + "\n")


def rel(a, b):
    """max|a - b| / max|b| (b the reference)."""
    d = float(np.abs(a - b).max())
    s = float(np.abs(b).max())
    return d / s if s > 0 else (0.0 if d == 0 else float("inf"))
