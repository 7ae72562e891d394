"""A small, strict safetensors reader (and writer) for test oracles.

Written from the format description, independent of the C code under test:

    bytes [0, 8)        u64 little-endian N: length of the JSON header
    bytes [8, 8+N)      UTF-8 JSON object:
                          {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]},
                           ..., "__metadata__": {"<str>": "<str>"}}   (metadata optional)
    bytes [8+N, end)    the data section; [b, e) are offsets relative to its start.

Rules enforced by `read_raw` (the reference implementation enforces the same ones):
the header is a JSON object with no duplicate keys, each entry has exactly the keys
dtype/shape/data_offsets, e - b == prod(shape) * itemsize(dtype), and the entries tile
the data section exactly: no gaps, no overlaps, nothing after the last tensor.

Public functions:
    read_raw(path)        -> (dict name -> RawTensor(dtype, shape, data bytes), metadata)
    read(path)            -> dict name -> torch.float32 tensor
    read_dir_raw(dir)     -> (dict name -> RawTensor, info)   single file or sharded
    read_dir(dir)         -> dict name -> torch.float32 tensor
    raw_to_float32(raw)   -> torch.float32 tensor
    write(path, tensors, metadata=None)   tensors: dict name -> RawTensor
    raw_from_float(t, dtype)              torch tensor -> RawTensor stored as dtype
"""

import collections
import json
import os
import struct

import numpy as np
import torch

ITEMSIZE = {"F32": 4, "BF16": 2, "F16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2,
            "I8": 1, "U8": 1, "BOOL": 1}
FLOAT_DTYPES = ("F32", "BF16", "F16")

RawTensor = collections.namedtuple("RawTensor", "dtype shape data")

INDEX_NAME = "model.safetensors.index.json"
SINGLE_NAME = "model.safetensors"


class SafetensorsError(Exception):
    pass


def _no_dup_object(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise SafetensorsError(f"duplicate key {k!r} in JSON")
        d[k] = v
    return d


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def read_raw(path):
    """Parse and validate one .safetensors file. Returns (tensors, metadata)."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise SafetensorsError(f"{path}: file shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise SafetensorsError(f"{path}: header length {n} exceeds file size {len(blob)}")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"), object_pairs_hook=_no_dup_object)
    except (UnicodeDecodeError, json.JSONDecodeError, SafetensorsError) as e:
        raise SafetensorsError(f"{path}: header is not valid UTF-8 JSON: {e}") from e
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header is not a JSON object")
    data = memoryview(blob)[8 + n:]
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise SafetensorsError(f"{path}: __metadata__ must map strings to strings")
    tensors = {}
    spans = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise SafetensorsError(f"{path}: tensor {name!r}: entry must have exactly "
                                   f"dtype, shape, data_offsets (got {info!r})")
        dtype, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in ITEMSIZE:
            raise SafetensorsError(f"{path}: tensor {name!r}: unknown dtype {dtype!r}")
        if not (isinstance(shape, list) and all(isinstance(s, int) and not isinstance(s, bool)
                                                and s >= 0 for s in shape)):
            raise SafetensorsError(f"{path}: tensor {name!r}: bad shape {shape!r}")
        if not (isinstance(offs, list) and len(offs) == 2 and all(
                isinstance(o, int) and not isinstance(o, bool) for o in offs)):
            raise SafetensorsError(f"{path}: tensor {name!r}: bad data_offsets {offs!r}")
        b, e = offs
        if not 0 <= b <= e <= len(data):
            raise SafetensorsError(f"{path}: tensor {name!r}: data_offsets {offs} outside "
                                   f"data section of {len(data)} bytes")
        if e - b != _numel(shape) * ITEMSIZE[dtype]:
            raise SafetensorsError(f"{path}: tensor {name!r}: {e - b} bytes for shape {shape} "
                                   f"of {dtype}")
        tensors[name] = RawTensor(dtype, tuple(shape), bytes(data[b:e]))
        spans.append((b, e, name))
    spans.sort()
    pos = 0
    for b, e, name in spans:
        if b != pos:
            raise SafetensorsError(f"{path}: tensor {name!r} starts at {b}, expected {pos} "
                                   f"(gap or overlap in data section)")
        pos = e
    if pos != len(data):
        raise SafetensorsError(f"{path}: {len(data) - pos} trailing bytes after last tensor")
    return tensors, metadata


def raw_to_numpy(raw):
    """Decode a RawTensor into a numpy array of its own dtype (BF16 -> float32)."""
    n = _numel(raw.shape)
    if raw.dtype == "F32":
        a = np.frombuffer(raw.data, dtype="<f4", count=n)
    elif raw.dtype == "F16":
        a = np.frombuffer(raw.data, dtype="<f2", count=n)
    elif raw.dtype == "BF16":
        bits = np.frombuffer(raw.data, dtype="<u2", count=n).astype(np.uint32) << np.uint32(16)
        a = bits.view(np.float32)
    elif raw.dtype == "F64":
        a = np.frombuffer(raw.data, dtype="<f8", count=n)
    elif raw.dtype in ("I64", "I32", "I16", "I8", "U8"):
        a = np.frombuffer(raw.data, dtype={"I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
                                           "U8": "u1"}[raw.dtype], count=n)
    elif raw.dtype == "BOOL":
        a = np.frombuffer(raw.data, dtype=np.uint8, count=n).astype(bool)
    else:
        raise SafetensorsError(f"unsupported dtype {raw.dtype}")
    return a.reshape(raw.shape)


def raw_to_float32(raw):
    if raw.dtype not in FLOAT_DTYPES:
        raise SafetensorsError(f"dtype {raw.dtype} is not a float dtype the model may use")
    return torch.from_numpy(np.array(raw_to_numpy(raw), dtype=np.float32, copy=True))


def read(path):
    tensors, _ = read_raw(path)
    return {k: raw_to_float32(v) for k, v in tensors.items()}


def read_dir_raw(model_dir):
    """Read a model directory: model.safetensors.index.json (sharded) if present, else
    model.safetensors. Validates the index: every weight_map entry names a file that
    holds that tensor, and every tensor in the listed files is in the weight_map.
    Returns (tensors, info) with info = {"files": [...], "index": dict or None,
    "metadata": {file: metadata}}."""
    index_path = os.path.join(model_dir, INDEX_NAME)
    info = {"files": [], "index": None, "metadata": {}}
    if os.path.exists(index_path):
        with open(index_path, "rb") as f:
            try:
                index = json.loads(f.read().decode("utf-8"), object_pairs_hook=_no_dup_object)
            except (UnicodeDecodeError, json.JSONDecodeError, SafetensorsError) as e:
                raise SafetensorsError(f"{index_path}: not valid JSON: {e}") from e
        if not isinstance(index, dict) or not isinstance(index.get("weight_map"), dict):
            raise SafetensorsError(f"{index_path}: no weight_map object")
        wm = index["weight_map"]
        for k, v in wm.items():
            if not isinstance(v, str) or os.path.basename(v) != v or not v:
                raise SafetensorsError(f"{index_path}: weight_map[{k!r}] = {v!r} is not a "
                                       f"plain file name")
        info["index"] = index
        tensors = {}
        for fname in sorted(set(wm.values())):
            ts, md = read_raw(os.path.join(model_dir, fname))
            info["files"].append(fname)
            info["metadata"][fname] = md
            for name, t in ts.items():
                if name in tensors:
                    raise SafetensorsError(f"{model_dir}: tensor {name!r} in two shards")
                if wm.get(name) != fname:
                    raise SafetensorsError(f"{model_dir}: tensor {name!r} found in {fname} but "
                                           f"weight_map says {wm.get(name)!r}")
                tensors[name] = t
        missing = set(wm) - set(tensors)
        if missing:
            raise SafetensorsError(f"{index_path}: weight_map lists tensors not found in "
                                   f"their files: {sorted(missing)[:5]}")
        return tensors, info
    path = os.path.join(model_dir, SINGLE_NAME)
    tensors, md = read_raw(path)
    info["files"].append(SINGLE_NAME)
    info["metadata"][SINGLE_NAME] = md
    return tensors, info


def read_dir(model_dir):
    tensors, _ = read_dir_raw(model_dir)
    return {k: raw_to_float32(v) for k, v in tensors.items()}


def raw_from_float(t, dtype):
    """Store a float tensor as dtype ("F32", "BF16", "F16"), rounding to nearest even
    (torch's and numpy's conversions)."""
    t = t.detach().to(torch.float32).contiguous()
    shape = tuple(t.shape)
    if dtype == "F32":
        data = t.numpy().astype("<f4").tobytes()
    elif dtype == "BF16":
        data = t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    elif dtype == "F16":
        data = t.numpy().astype("<f2").tobytes()
    else:
        raise SafetensorsError(f"cannot store as {dtype}")
    return RawTensor(dtype, shape, data)


def write(path, tensors, metadata=None):
    """Write dict name -> RawTensor to path (tensors laid out in sorted name order,
    header padded with spaces to a multiple of 8 as the reference writer does)."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = dict(metadata)
    pos = 0
    names = sorted(tensors)
    for name in names:
        t = tensors[name]
        nbytes = _numel(t.shape) * ITEMSIZE[t.dtype]
        assert len(t.data) == nbytes, name
        header[name] = {"dtype": t.dtype, "shape": list(t.shape),
                        "data_offsets": [pos, pos + nbytes]}
        pos += nbytes
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for name in names:
            f.write(tensors[name].data)
    os.replace(tmp, path)
