"""Framed messages between the grader and the sandboxed child.

A message is a 4-byte big-endian length, a UTF-8 JSON header of that length,
then the raw bytes of each array the header lists, in order. No pickle is ever
used, so nothing the child sends can run code in the grader, and an ndarray
subclass or an object with overloaded comparisons cannot cross: the grader
rebuilds plain ``numpy.ndarray`` objects from bytes.

Values are encoded as JSON-able "plain" trees:
    {"kind": "array", "index": i}      -> the i-th array blob
    {"kind": "float"|"int"|"bool"|"str"|"none", "value": ...}
    {"kind": "tuple"|"list", "items": [...]}
    {"kind": "dict", "items": {str: ...}}
    {"kind": "opaque", "type": "module.Class"}   (anything else: only its type name crosses)
"""

from __future__ import annotations

import json
import math
import struct

import numpy as np

MAX_HEADER_BYTES = 32 * 1024 * 1024
MAX_STRING_CHARS = 64 * 1024   # a probe's outputs are numbers and arrays; a string is at most a label
MAX_ARRAY_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 8
MAX_ITEMS = 10_000

ALLOWED_DTYPES = {
    "float64", "float32", "float16",
    "int64", "int32", "int16", "int8",
    "uint64", "uint32", "uint16", "uint8",
    "bool",
}


class WireError(Exception):
    """The peer sent something that is not a valid message."""


# ---------------------------------------------------------------- encoding --

def encode_value(value, arrays: list, depth: int = 0):
    """Turn ``value`` into a plain tree, appending array payloads to ``arrays``."""
    if depth > MAX_DEPTH:
        return {"kind": "opaque", "type": "nested too deeply"}
    if value is None:
        return {"kind": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "bool", "value": bool(value)}
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        v = int(value)
        if abs(v) < 2**62:
            return {"kind": "int", "value": v}
        return {"kind": "float", "value": _json_float(float(v))}
    if isinstance(value, (float, np.floating)):
        return {"kind": "float", "value": _json_float(float(value)),
                "type": type(value).__name__}
    if isinstance(value, str):
        return {"kind": "str", "value": value[:MAX_STRING_CHARS]}
    if isinstance(value, np.ndarray):
        dtype = value.dtype
        if dtype.name not in ALLOWED_DTYPES:
            return {"kind": "opaque", "type": f"numpy.ndarray of dtype {dtype}"}
        # A subclass could override anything, so copy the raw buffer into a
        # fresh base-class array before reading bytes out of it.
        plain = np.array(np.ndarray.view(value, np.ndarray), dtype=dtype, copy=True, order="C")
        arrays.append(plain)
        return {"kind": "array", "index": len(arrays) - 1,
                "type": _type_name(value), "dtype": dtype.name}
    if isinstance(value, (tuple, list)):
        items = [encode_value(v, arrays, depth + 1) for v in list(value)[:MAX_ITEMS]]
        return {"kind": "tuple" if isinstance(value, tuple) else "list", "items": items}
    if isinstance(value, dict):
        items = {}
        for k, v in list(value.items())[:MAX_ITEMS]:
            if isinstance(k, str):
                items[k[:200]] = encode_value(v, arrays, depth + 1)
        return {"kind": "dict", "items": items}
    return {"kind": "opaque", "type": _type_name(value)}


def _type_name(value) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    name = getattr(cls, "__qualname__", "?")
    return f"{module}.{name}" if module not in ("builtins", "") else str(name)


def _json_float(x: float):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def pack(header: dict, arrays: list) -> bytes:
    """Serialise one message."""
    header = dict(header)
    header["arrays"] = [
        {"dtype": a.dtype.name, "shape": list(a.shape), "nbytes": int(a.nbytes)} for a in arrays
    ]
    body = json.dumps(header, allow_nan=False).encode("utf-8")
    parts = [struct.pack(">I", len(body)), body]
    parts.extend(a.tobytes(order="C") for a in arrays)
    return b"".join(parts)


# ---------------------------------------------------------------- decoding --

MAX_HEADER_DEPTH = 4 * MAX_DEPTH + 16   # a value level is at most {"items": {name: {...}}}: three JSON levels
MAX_INTEGER_DIGITS = 40                 # header integers are indices, line numbers, shapes and byte counts
MAX_ARRAYS = 100_000


def _bounded_integer(digits: str) -> int:
    if len(digits) > MAX_INTEGER_DIGITS:
        raise WireError(f"header holds an integer of {len(digits)} digits")
    return int(digits)


def _deeper_than(value, limit: int) -> bool:
    """Whether ``value`` nests lists and dicts more than ``limit`` deep (without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (list, dict)))
    return False


def parse_header(raw: bytes | bytearray) -> dict:
    """A header's JSON object, refusing long integers and deep nesting; WireError otherwise."""
    try:
        header = json.loads(bytes(raw).decode("utf-8"), parse_int=_bounded_integer)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"header is not valid JSON: {str(exc)[:200]}") from None
    except RecursionError:
        raise WireError("header is nested too deeply") from None
    except ValueError as exc:
        raise WireError(f"header holds an invalid number: {str(exc)[:200]}") from None
    if not isinstance(header, dict):
        raise WireError("header is not a JSON object")
    if _deeper_than(header, MAX_HEADER_DEPTH):
        raise WireError(f"header is nested more than {MAX_HEADER_DEPTH} levels deep")
    return header


def read_message(read_exact, max_header_bytes: int = MAX_HEADER_BYTES,
                 max_array_bytes: int = MAX_ARRAY_BYTES) -> tuple[dict, list[np.ndarray]]:
    """Read one message with ``read_exact(n) -> bytes`` (which raises EOFError).

    Every size is checked before the bytes are read or memory is allocated: the
    header's length, then each array's dtype, shape and byte count, and the
    message's total array bytes against ``max_array_bytes``.
    """
    (length,) = struct.unpack(">I", read_exact(4))
    if length > max_header_bytes:
        raise WireError(f"header of {length} bytes is larger than the {max_header_bytes} allowed")
    header = parse_header(read_exact(length))
    specs = header.get("arrays", [])
    if not isinstance(specs, list):
        raise WireError("'arrays' is not a list")
    if len(specs) > MAX_ARRAYS:
        raise WireError(f"message lists {len(specs)} arrays; at most {MAX_ARRAYS} are allowed")
    checked = [_checked_spec(spec, max_array_bytes) for spec in specs]
    if sum(nbytes for _, _, nbytes in checked) > max_array_bytes:
        raise WireError(f"message carries more than {max_array_bytes} bytes of arrays")
    arrays = []
    for dtype, shape, nbytes in checked:
        array = np.frombuffer(read_exact(nbytes), dtype=dtype).reshape(shape)
        arrays.append(array if array.flags.writeable else array.copy())
    return header, arrays


def _checked_spec(spec, max_array_bytes: int) -> tuple[np.dtype, tuple, int]:
    """(dtype, shape, byte count) of an array spec, each checked; WireError otherwise."""
    if not isinstance(spec, dict):
        raise WireError("array spec is not an object")
    dtype_name, shape, nbytes = spec.get("dtype"), spec.get("shape"), spec.get("nbytes")
    if not isinstance(dtype_name, str) or dtype_name not in ALLOWED_DTYPES:
        raise WireError(f"array dtype {str(dtype_name)[:40]!r} is not allowed")
    if (not isinstance(shape, list) or len(shape) > 32
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= max_array_bytes for d in shape)
            or math.prod(max(d, 1) for d in shape) > max_array_bytes):
        raise WireError(f"array shape {str(shape)[:80]} is not valid")
    if not isinstance(nbytes, int) or isinstance(nbytes, bool) or not 0 <= nbytes <= max_array_bytes:
        raise WireError(f"array size {str(nbytes)[:40]} is not valid")
    dtype = np.dtype(dtype_name)
    if math.prod(shape) * dtype.itemsize != nbytes:
        raise WireError("array shape and byte count disagree")
    return dtype, tuple(shape), nbytes


def decode_value(tree, arrays: list[np.ndarray], depth: int = 0):
    """Rebuild a value from a plain tree, strictly. Unknown shapes raise WireError."""
    if depth > MAX_DEPTH + 1 or not isinstance(tree, dict):
        raise WireError("malformed value")
    kind = tree.get("kind")
    if kind == "array":
        index = tree.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(arrays):
            raise WireError("array index out of range")
        return Received(arrays[index], tree)
    if kind == "none":
        return Received(None, tree)
    if kind in ("float", "int", "bool", "str"):
        v = tree.get("value")
        if kind == "float":
            v = float(v) if v in ("nan", "inf", "-inf") else v
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise WireError("malformed float")
            v = float(v)
        elif kind == "int":
            if not isinstance(v, int) or isinstance(v, bool):
                raise WireError("malformed int")
        elif kind == "bool":
            if not isinstance(v, bool):
                raise WireError("malformed bool")
        elif not isinstance(v, str):
            raise WireError("malformed str")
        return Received(v, tree)
    if kind in ("tuple", "list"):
        items = tree.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise WireError("malformed sequence")
        return Received([decode_value(t, arrays, depth + 1) for t in items], tree)
    if kind == "dict":
        items = tree.get("items")
        if not isinstance(items, dict) or len(items) > MAX_ITEMS:
            raise WireError("malformed dict")
        return Received({str(k): decode_value(v, arrays, depth + 1) for k, v in items.items()}, tree)
    if kind == "opaque":
        return Received(None, {"kind": "opaque", "type": tree.get("type", "?")})
    raise WireError(f"unknown value kind {kind!r}")


class Received:
    """A value that came back from the child, with what we know of its type.

    ``value`` is a plain Python/NumPy value; ``kind`` says what it was on the
    other side ("array", "float", "tuple", "opaque", ...), ``type`` its type name.
    """

    __slots__ = ("value", "kind", "type", "dtype")

    def __init__(self, value, tree):
        self.value = value
        self.kind = tree.get("kind")
        # Type names are the student's to choose (a class can be called anything): keep them short.
        self.type = str(tree.get("type", self.kind))[:200]
        dtype = tree.get("dtype")
        self.dtype = dtype if isinstance(dtype, str) and dtype in ALLOWED_DTYPES else None

    def describe(self) -> str:
        if self.kind == "array":
            return f"ndarray of shape {tuple(self.value.shape)} and dtype {self.value.dtype}"
        if self.kind in ("tuple", "list"):
            return f"{self.kind} of length {len(self.value)}"
        if self.kind == "none":
            return "None"
        if self.kind == "opaque":
            return f"an object of type {self.type}"
        return f"{self.kind} {self.value!r}"

    def __repr__(self):
        return f"Received({self.describe()})"
