"""Tests of encoders.NGramEncoder against a naive pure-python reference encoder."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks as ec
from sklearn.utils.estimator_checks import parametrize_with_checks

import hdc
from encoders import NGramEncoder

MASK = (1 << 64) - 1


# --------------------------------------------------------------------------------------------
# Naive reference: python ints for the hash, one numpy byte per bit for the n-grams
# --------------------------------------------------------------------------------------------
def _mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def ref_letter_bits(seed: int, codepoint: int, dim: int) -> np.ndarray:
    """Letter vector of a code point as 0/1 bits: splitmix64 stream from hash(seed, codepoint)."""
    state = _mix64(seed ^ _mix64(codepoint + 1))
    bits = []
    for _ in range(dim // 64):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        word = _mix64(state)
        bits.extend((word >> b) & 1 for b in range(64))
    return np.array(bits, dtype=np.int64)


KEY_SALT = 0x5851F42D4C957F2D
HASH_BITS = 20


def ref_key(seed: int, gram: str) -> int:
    """64-bit key of an n-gram: a splitmix64 hash chain over its code points."""
    key = seed ^ KEY_SALT
    for ch in gram:
        key = _mix64((key + (ord(ch) + 1) * 0x9E3779B97F4A7C15) & MASK)
    return key


def ref_grams(text: str, ngram_range) -> list[str]:
    n_min, n_max = ngram_range
    return [text[p : p + n] for n in range(n_min, n_max + 1) for p in range(len(text) - n + 1)]


def ref_idf_weights(texts, ngram_range, seed: int, lowercase: bool = True) -> dict[int, int]:
    """Quantised smoothed idf of every hash bucket that occurs (others weigh 0)."""
    df: dict[int, int] = {}
    for text in texts:
        text = text.lower() if lowercase else text
        for b in {ref_key(seed, g) >> (64 - HASH_BITS) for g in ref_grams(text, ngram_range)}:
            df[b] = df.get(b, 0) + 1
    n = len(texts)
    top = np.log(1 + n) + 1
    return {
        b: int(np.clip(np.rint(15 * (np.log((1 + n) / (1 + d)) + 1) / top), 1, 15))
        for b, d in df.items()
    }


def ref_encode(
    text: str,
    dim: int,
    ngram_range,
    seed: int,
    lowercase: bool = True,
    weighting: str = "count",
    idf: dict[int, int] | None = None,
) -> np.ndarray:
    """Weighted majority of the n-grams, each the XOR of letter bits rolled by their position."""
    if lowercase:
        text = text.lower()
    grams = ref_grams(text, ngram_range)
    if weighting != "count":
        grams = sorted(set(grams))
    count = np.zeros(dim, dtype=np.int64)
    total = 0
    for g in grams:
        weight = 1
        if weighting == "idf":
            weight = idf.get(ref_key(seed, g) >> (64 - HASH_BITS), 0)
        vec = np.zeros(dim, dtype=np.int64)
        for j, ch in enumerate(g):
            vec ^= np.roll(ref_letter_bits(seed, ord(ch), dim), j)
        count += weight * vec
        total += weight
    tie = ref_letter_bits(seed, 0x110000, dim)
    bits = np.where(2 * count > total, 1, np.where(2 * count == total, tie, 0))
    return hdc.pack(bits.astype(np.uint8))


TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Tiếng Việt có dấu: người, những, được.",  # precomposed
    "Tie\u0302\u0301ng Vie\u0323\u0302t",  # combining marks, one code point each
    "",
    "ab",
    "abc",
    "aaaa aaaa",
    "ΑΒΓ Ελληνικά 😀 中文",
]


@pytest.mark.parametrize("ngram_range", [(3, 3), (1, 3), (2, 4), (1, 1)])
@pytest.mark.parametrize("dim", [64, 192])
def test_matches_reference(ngram_range, dim):
    enc = NGramEncoder(dim=dim, ngram_range=ngram_range, random_state=7, batch_size=3).fit(TEXTS)
    got = enc.transform(TEXTS)
    expected = np.stack([ref_encode(t, dim, ngram_range, enc.seed_) for t in TEXTS])
    np.testing.assert_array_equal(got, expected)


def test_matches_reference_many_ngrams():
    # > 16 n-grams exercises the carry-save tree and several counter planes; even counts -> ties
    texts = ["abcdefghij" * 7 + "k", "z" * 40 + "xy" * 20, "abcdefghij" * 7]
    enc = NGramEncoder(dim=128, ngram_range=(1, 4), random_state=3).fit(texts)
    expected = np.stack([ref_encode(t, 128, (1, 4), enc.seed_) for t in texts])
    np.testing.assert_array_equal(enc.transform(texts), expected)


@pytest.mark.parametrize("weighting", ["binary", "idf"])
@pytest.mark.parametrize("ngram_range", [(3, 3), (1, 3)])
def test_weighted_matches_reference(weighting, ngram_range):
    texts = TEXTS + ["abcdefghij" * 7 + "k", "the the the the the cat"]
    enc = NGramEncoder(
        dim=128, ngram_range=ngram_range, weighting=weighting, random_state=2, batch_size=4
    ).fit(texts)
    idf = ref_idf_weights(texts, ngram_range, enc.seed_) if weighting == "idf" else None
    queries = texts + ["unseen Ünicode ǅ text"]
    expected = np.stack(
        [ref_encode(t, 128, ngram_range, enc.seed_, weighting=weighting, idf=idf) for t in queries]
    )
    np.testing.assert_array_equal(enc.transform(queries), expected)


def test_idf_weights_match_reference():
    texts = ["the cat", "the dog", "a cat and the dog", "tête-à-tête", ""]
    enc = NGramEncoder(dim=64, ngram_range=(1, 2), weighting="idf", random_state=0, batch_size=2)
    enc.fit(texts)
    idf = ref_idf_weights(texts, (1, 2), enc.seed_)
    weights = enc.ngram_weights_
    assert weights.shape == (2**HASH_BITS,) and weights.dtype == np.uint8
    for b, w in idf.items():
        assert weights[b] == w
    untouched = np.ones(weights.size, dtype=bool)
    untouched[list(idf)] = False
    assert (weights[untouched] == 0).all()
    # a space, in 4 of the 5 texts, weighs less than a bigram seen once
    space = ref_key(enc.seed_, " ") >> (64 - HASH_BITS)
    once = ref_key(enc.seed_, "-à") >> (64 - HASH_BITS)
    assert weights[space] < weights[once]


def test_idf_leaves_out_unseen_ngrams():
    enc = NGramEncoder(dim=256, ngram_range=(2, 2), weighting="idf", random_state=0)
    enc.fit(["abcd", "abxy", "cdcd"])
    H = enc.transform(["abcd", "abcd qqq", "zzzz", ""])
    np.testing.assert_array_equal(H[0], H[1])  # " q", "qq", "d " were never seen
    np.testing.assert_array_equal(H[2], H[3])  # nothing seen: the empty-text (tie) vector


def test_binary_ignores_repetitions():
    enc = NGramEncoder(dim=256, ngram_range=(2, 2), weighting="binary", random_state=0)
    enc.fit(["x"])
    H = enc.transform(["abcabcabc", "abcab"])  # same set of distinct bigrams
    np.testing.assert_array_equal(H[0], H[1])
    counted = NGramEncoder(dim=256, ngram_range=(2, 2), random_state=0).fit(["x"])
    assert (counted.transform(["abcabcabc"]) != counted.transform(["abcab"])).any()


def test_transform_uses_the_fitted_settings():
    texts = ["the cat sat", "a dog ran", "Съешь же ещё"]
    enc = NGramEncoder(dim=256, weighting="count", random_state=0).fit(texts)
    H = enc.transform(texts)
    enc.set_params(weighting="idf", ngram_range=(1, 2), lowercase=False)
    np.testing.assert_array_equal(enc.transform(texts), H)  # new values apply at the next fit
    refit = enc.fit(texts)
    assert hasattr(refit, "ngram_weights_")
    assert not np.array_equal(refit.transform(texts), H)


@settings(max_examples=min(40, settings.default.max_examples))
@given(
    texts=st.lists(st.text(max_size=30), min_size=1, max_size=4),
    sizes=st.tuples(st.integers(1, 3), st.integers(0, 2)),
    weighting=st.sampled_from(["count", "binary", "idf"]),
    lowercase=st.booleans(),
)
def test_any_unicode_matches_reference(texts, sizes, weighting, lowercase):
    ngram_range = (sizes[0], sizes[0] + sizes[1])
    enc = NGramEncoder(
        dim=64, ngram_range=ngram_range, weighting=weighting, lowercase=lowercase, random_state=9
    ).fit(texts)
    idf = ref_idf_weights(texts, ngram_range, enc.seed_, lowercase) if weighting == "idf" else None
    expected = [
        ref_encode(t, 64, ngram_range, enc.seed_, lowercase, weighting=weighting, idf=idf)
        for t in texts
    ]
    np.testing.assert_array_equal(enc.transform(texts), np.stack(expected))


def test_lowercase_flag():
    enc = NGramEncoder(dim=128, random_state=0).fit(["x"])
    assert (enc.transform(["HeLLo Wörld"]) == enc.transform(["hello wörld"])).all()
    raw = NGramEncoder(dim=128, lowercase=False, random_state=0).fit(["x"])
    assert (raw.transform(["HeLLo"]) != raw.transform(["hello"])).any()
    expected = ref_encode("HeLLo", 128, (3, 3), raw.seed_, lowercase=False)
    np.testing.assert_array_equal(raw.transform(["HeLLo"])[0], expected)


def test_letter_vectors_match_hash_and_are_random():
    enc = NGramEncoder(dim=1024, random_state=5).fit(["x"])
    letters = enc.letter_vectors("aбệ")
    for k, ch in enumerate("aбệ"):
        expected = ref_letter_bits(enc.seed_, ord(ch), 1024)
        np.testing.assert_array_equal(hdc.unpack(letters[k]), expected)
    sims = hdc.similarity(letters, letters)
    off = sims[~np.eye(3, dtype=bool)]
    assert np.all(np.abs(off - 0.5) < 0.08)


def test_empty_and_short_texts_give_the_tie_vector():
    enc = NGramEncoder(dim=256, ngram_range=(3, 3), random_state=1).fit(["x"])
    H = enc.transform(["", "a", "ab", "abc"])
    tie = ref_letter_bits(enc.seed_, 0x110000, 256)
    for k in range(3):
        np.testing.assert_array_equal(hdc.unpack(H[k]), tie)
    assert (H[3] != H[0]).any()
    # the empty encoding is unrelated to real texts
    real = enc.fit(["x"]).transform(TEXTS[:3])
    assert np.all(np.abs(hdc.similarity(H[0], real) - 0.5) < 0.15)


def test_empty_input_list():
    enc = NGramEncoder(dim=128, random_state=0).fit(["abc"])
    out = enc.transform([])
    assert out.shape == (0, 2) and out.dtype == np.uint64


def test_deterministic_by_random_state():
    a = NGramEncoder(dim=512, random_state=11).fit(TEXTS).transform(TEXTS)
    b = NGramEncoder(dim=512, random_state=11).fit(TEXTS).transform(TEXTS)
    c = NGramEncoder(dim=512, random_state=12).fit(TEXTS).transform(TEXTS)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    gen = NGramEncoder(dim=512, random_state=np.random.default_rng(11)).fit(TEXTS)
    gen2 = NGramEncoder(dim=512, random_state=np.random.default_rng(11)).fit(TEXTS)
    np.testing.assert_array_equal(gen.transform(TEXTS), gen2.transform(TEXTS))


def test_batch_size_and_input_types_do_not_change_output():
    texts = TEXTS * 5
    base = NGramEncoder(dim=256, ngram_range=(1, 3), random_state=0).fit(texts)
    expected = base.transform(texts)
    for bs in (1, 4, 1000):
        enc = clone(base).set_params(batch_size=bs).fit(texts)
        np.testing.assert_array_equal(enc.transform(texts), expected)
    np.testing.assert_array_equal(base.transform(np.array(texts)), expected)
    np.testing.assert_array_equal(base.transform(np.array(texts, dtype=object)), expected)
    np.testing.assert_array_equal(base.transform(tuple(texts)), expected)
    np.testing.assert_array_equal(base.transform(iter(texts)), expected)


def test_similarity_sanity():
    enc = NGramEncoder(dim=8192, ngram_range=(3, 3), random_state=0).fit(["x"])
    a = "hyperdimensional computing with character trigrams"
    H = enc.transform(
        [a, a, "hyperdimensional computing with word trigrams", "zwölf Boxkämpfer jagen Viktor"]
    )
    assert (H[0] == H[1]).all()
    s = hdc.similarity(H[0], H[1:])
    assert s[0] == 1.0
    assert s[1] > 0.7
    assert abs(s[2] - 0.5) < 0.05
    assert s[1] > s[2] + 0.2


def test_order_matters():
    enc = NGramEncoder(dim=4096, ngram_range=(2, 2), random_state=0).fit(["x"])
    H = enc.transform(["abababab", "babababa", "ab", "ba"])
    # "ab" and "ba" are different bigrams (rotation encodes the position)
    assert abs(hdc.similarity(H[2], H[3]) - 0.5) < 0.05


@pytest.mark.parametrize(
    "X, match",
    [
        ("a single string", "single str"),
        (b"bytes", "single bytes"),
        (["ok", 3], r"X\[1\] must be a str, got int"),
        ([b"bytes"], r"X\[0\] must be a str, got bytes"),
        ([None], r"X\[0\] must be a str, got NoneType"),
        (np.array([1.0, 2.0]), r"X\[0\] must be a str, got float"),
        (5, "iterable of str"),
    ],
)
def test_non_strings_raise(X, match):
    enc = NGramEncoder(dim=64, random_state=0)
    with pytest.raises(TypeError, match=match):
        enc.fit(X)
    enc.fit(["fine"])
    with pytest.raises(TypeError, match=match):
        enc.transform(X)


def test_two_dimensional_input_raises():
    with pytest.raises(ValueError, match="one-dimensional"):
        NGramEncoder(dim=64).fit(np.array([["a", "b"], ["c", "d"]]))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"ngram_range": (0, 3)}, ValueError, "ngram_range"),
        ({"ngram_range": (3, 2)}, ValueError, "ngram_range"),
        ({"ngram_range": 3}, ValueError, "ngram_range"),
        ({"ngram_range": (1.0, 2)}, ValueError, "ngram_range"),
        ({"dim": 0}, ValueError, "dim"),
        ({"dim": "big"}, TypeError, "dim"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"lowercase": "yes"}, TypeError, "lowercase"),
        ({"weighting": "tfidf"}, ValueError, "weighting"),
        ({"random_state": "seed"}, TypeError, "random_state"),
    ],
)
def test_bad_params_raise_in_fit(params, error, match):
    enc = NGramEncoder(**params)  # __init__ never validates
    with pytest.raises(error, match=match):
        enc.fit(["abc"])


def test_dim_rounded_up():
    enc = NGramEncoder(dim=100, random_state=0).fit(["abc"])
    assert enc.dim_ == 128 and enc.dim == 100
    assert enc.transform(["abcd"]).shape == (1, 2)


def test_unfitted_and_pickle():
    enc = NGramEncoder(dim=128, random_state=0)
    with pytest.raises(NotFittedError):
        enc.transform(["abc"])
    enc.fit(["abc"])
    again = pickle.loads(pickle.dumps(enc))
    np.testing.assert_array_equal(again.transform(TEXTS), enc.transform(TEXTS))


def test_fit_transform_equals_fit_then_transform():
    enc = NGramEncoder(dim=128, ngram_range=(2, 3), random_state=4)
    np.testing.assert_array_equal(enc.fit_transform(TEXTS), enc.fit(TEXTS).transform(TEXTS))
    assert enc.fit(TEXTS) is enc


def test_subset_and_order_invariance():
    enc = NGramEncoder(dim=128, random_state=4).fit(TEXTS)
    full = enc.transform(TEXTS)
    order = np.random.default_rng(0).permutation(len(TEXTS))
    np.testing.assert_array_equal(enc.transform([TEXTS[i] for i in order]), full[order])
    np.testing.assert_array_equal(enc.transform(TEXTS[2:5]), full[2:5])


def test_verbose_progress_bar(capsys):
    pytest.importorskip("tqdm")
    enc = NGramEncoder(dim=64, batch_size=2, verbose=True, random_state=0).fit(TEXTS)
    enc.transform(TEXTS)
    assert "NGramEncoder" in capsys.readouterr().err
    enc.set_params(weighting="idf").fit(TEXTS)
    assert "NGramEncoder idf" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# scikit-learn compatibility. NGramEncoder declares string input (input_tags.string=True,
# two_d_array=False) like sklearn's own CountVectorizer; sklearn's check suite then runs only
# the clone check (its other checks feed numeric 2-D arrays). The API checks that need no data
# are run explicitly below, and the data checks have text counterparts above.
# --------------------------------------------------------------------------------------------
@parametrize_with_checks([NGramEncoder(dim=128)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_tags_declare_text_input():
    tags = NGramEncoder().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert tags.transformer_tags is not None


@pytest.mark.parametrize(
    "check",
    [
        ec.check_estimator_cloneable,
        ec.check_estimator_repr,
        ec.check_no_attributes_set_in_init,
        ec.check_do_not_raise_errors_in_init_or_set_params,
        ec.check_parameters_default_constructible,
        ec.check_get_params_invariance,
        ec.check_set_params,
        ec.check_mixin_order,
        ec.check_valid_tag_types,
        ec.check_estimator_tags_renamed,
    ],
    ids=lambda c: c.__name__,
)
def test_sklearn_api_checks_without_data(check):
    check("NGramEncoder", NGramEncoder(dim=128))


def test_fit_does_not_change_params():
    enc = NGramEncoder(dim=100, ngram_range=[1, 2], random_state=np.random.RandomState(0))
    before = {k: v for k, v in enc.get_params().items() if k != "random_state"}
    enc.fit(TEXTS)
    assert enc.get_params()["ngram_range"] is before["ngram_range"]
    assert {k: v for k, v in enc.get_params().items() if k != "random_state"} == before
    assert clone(enc).get_params()["dim"] == 100


@pytest.mark.parametrize("weighting", ["count", "idf"])
def test_fit_transform_reads_a_generator_once(weighting):
    enc = NGramEncoder(dim=128, ngram_range=(1, 2), weighting=weighting, random_state=0)
    H = enc.fit_transform(t for t in TEXTS)
    assert H.shape == (len(TEXTS), 2)
    np.testing.assert_array_equal(H, clone(enc).fit(TEXTS).transform(TEXTS))
    np.testing.assert_array_equal(H, enc.fit_transform(iter(TEXTS)))


@pytest.mark.parametrize("weighting", ["count", "idf"])
def test_lone_surrogate_raises_value_error_naming_the_text(weighting):
    bad = ["fine", "a\ud800b"]
    enc = NGramEncoder(dim=64, weighting=weighting, random_state=0)
    with pytest.raises(ValueError, match=r"X\[1\] is not valid Unicode.*surrogate '\\ud800'"):
        enc.fit(["fine"]).transform(bad)
    with pytest.raises(ValueError, match=r"X\[1\] is not valid Unicode"):
        enc.fit_transform(bad)
    if weighting == "idf":
        with pytest.raises(ValueError, match=r"X\[1\] is not valid Unicode"):
            enc.fit(bad)
    with pytest.raises(ValueError, match="chars is not valid Unicode"):
        enc.fit(["fine"]).letter_vectors("x\udfff")


@pytest.mark.parametrize("verbose", ["no", -1, 0.5, None])
def test_verbose_must_be_a_bool_or_an_int(verbose):
    with pytest.raises(TypeError, match="verbose must be a bool"):
        NGramEncoder(dim=64, verbose=verbose).fit(["abc"])
    enc = NGramEncoder(dim=64).fit(["abc"]).set_params(verbose=verbose)
    with pytest.raises(TypeError, match="verbose must be a bool"):
        enc.transform(["abc"])
