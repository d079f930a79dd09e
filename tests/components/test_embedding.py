"""The three embedding backends: same model, same tokens, vectors that agree."""

import numpy as np
import pytest

from rag.components.embedding import build_embedder
from rag.ingest.loaders import load_file
from rag.text.sentences import split_sentences
from tests.paths import SEED_ARTICLE, SEED_ARTICLE_ID


@pytest.fixture(scope="module")
def sentences():
    [article] = load_file(SEED_ARTICLE, SEED_ARTICLE_ID)
    return [span.text for span in split_sentences(article.text)]


@pytest.fixture(scope="module")
def torch_vectors(sentences, tmp_path_factory):
    from rag.settings import Settings

    embedder = build_embedder(Settings(home=tmp_path_factory.mktemp("torch"), embedding_backend="torch"))
    return embedder.embed(sentences)


def embedder_for(backend, make_settings):
    return build_embedder(make_settings(embedding_backend=backend))


def test_onnx_fp32_gives_the_torch_vectors(sentences, torch_vectors, make_settings):
    vectors = embedder_for("onnx", make_settings).embed(sentences)
    cosines = np.sum(vectors * torch_vectors, axis=1)
    assert cosines.min() > 0.9999
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_onnx_int8_stays_close_to_fp32(sentences, torch_vectors, make_settings):
    vectors = embedder_for("onnx-int8", make_settings).embed(sentences)
    cosines = np.sum(vectors * torch_vectors, axis=1)
    assert cosines.mean() > 0.98 and cosines.min() > 0.95


def test_backends_count_tokens_alike(sentences, make_settings):
    onnx = embedder_for("onnx", make_settings)
    torch = embedder_for("torch", make_settings)
    assert onnx.count_tokens(sentences) == torch.count_tokens(sentences)
    assert onnx.max_tokens == torch.max_tokens == 256


def test_batches_come_back_in_the_callers_order(sentences, make_settings):
    embedder = embedder_for("onnx", make_settings).inner
    one_by_one = np.stack([embedder.embed([text])[0] for text in sentences[:6]])
    assert np.allclose(embedder.embed(sentences[:6]), one_by_one, atol=1e-5)


def test_int8_and_fp32_are_cached_under_different_names(make_settings):
    assert embedder_for("onnx", make_settings).name == "all-MiniLM-L6-v2"
    assert embedder_for("onnx-int8", make_settings).name == "all-MiniLM-L6-v2-int8"


def test_a_folder_without_a_model_is_a_clear_error(make_settings, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"modules\.json missing"):
        build_embedder(make_settings(embedding_model=str(tmp_path)))
