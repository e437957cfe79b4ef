"""Symbolic structures against naive references on unpacked bits, their laws, and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hdc
from hdc._validation import readonly
from hdc.bundling import _tie_bits

from ._reference import hamming as ref_hamming
from ._reference import pack_bits, unpack_bits

settings.register_profile("hdkit", deadline=None, max_examples=60)
settings.load_profile("hdkit")

seeds = st.integers(0, 2**32 - 1)


# ------------------------------------------------------------------ naive reference on bits
def ref_majority(bits, weights, tie_seed):
    """Weighted per-bit majority of 0/1 rows; exact ties take the structure's tie bits."""
    bits = np.asarray(bits, dtype=np.int64)
    w = np.asarray(weights, dtype=np.int64)
    ones = (bits * w[:, None]).sum(0)
    total = int(w.sum())
    ties = unpack_bits(_tie_bits("random", bits.shape[1] // 64, tie_seed))
    out = np.where(2 * ones > total, 1, np.where(2 * ones < total, 0, ties))
    return out.astype(np.uint8), ones


def ref_similarity(query_bits, candidate_bits):
    q = np.atleast_2d(query_bits)
    c = np.atleast_2d(candidate_bits)
    return 1.0 - (q[:, None, :] != c[None, :, :]).sum(-1) / q.shape[1]


def ref_nearest(query_bits, candidate_bits):
    """Index of the nearest candidate of each query (ties: the first)."""
    return np.argmax(ref_similarity(query_bits, candidate_bits), axis=1)


def ref_roll(bits, shift):
    return np.roll(bits, shift, axis=-1)


def default_threshold(n, dim):
    """Halfway between 0.5 and the member similarity 1/2 + C(N-1, (N-1)/2) / 2**N (N odd)."""
    odd = n if n % 2 else n + 1
    from math import comb

    return 0.5 * (0.5 + 0.5 + comb(odd - 1, (odd - 1) // 2) / 2**odd)


# ------------------------------------------------------------------ Multiset
@pytest.mark.parametrize("dim", [64, 256])
@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_multiset_matches_reference(dim, n):
    rng = np.random.default_rng(dim + n)
    items = hdc.random(n + 4, dim, random_state=rng)
    count = rng.integers(1, 4, size=n)
    ms = hdc.Multiset(dim, random_state=7)
    ms.add(items[:n], count)
    ms.remove(items[0])
    weights = count.copy()
    weights[0] -= 1
    bits = unpack_bits(items[:n])
    expected, ones = ref_majority(bits, weights, ms._bundle.tie_seed)
    assert np.array_equal(ms.counts, ones)
    assert len(ms) == weights.sum()
    assert np.array_equal(ms.value, pack_bits(expected))
    sims = ref_similarity(unpack_bits(items), expected)[:, 0]
    assert np.allclose(ms.similarity(items), sims)
    assert ms.similarity(items[1]) == pytest.approx(sims[1])
    t = default_threshold(len(ms), dim)
    assert np.array_equal(ms.contains(items), sims >= t)
    assert np.array_equal(ms.contains(items, threshold=0.7), sims >= 0.7)


def test_multiset_empty_contains_nothing_and_threshold_formula():
    ms = hdc.Multiset(128, random_state=0)
    x = hdc.random(3, 128, random_state=1)
    assert ms.contains(x).tolist() == [False, False, False]
    for n in (1, 2, 3, 10, 51):
        assert hdc.membership_error(n, 1024)[0] == pytest.approx(default_threshold(n, 1024))


@given(seeds, st.integers(1, 9))
def test_multiset_contains_members_and_rejects_others_at_documented_size(seed, n):
    dim = 2048
    _, false_negative, false_positive = hdc.membership_error(n, dim)
    assert false_negative < 1e-9 and false_positive < 1e-9  # the documented size
    items = hdc.random(n + 20, dim, random_state=seed)
    ms = hdc.Multiset(dim, random_state=seed)
    ms.add(items[:n])
    assert ms.contains(items).tolist() == [True] * n + [False] * 20


@given(seeds, st.integers(1, 12), st.integers(1, 6))
def test_multiset_remove_inverts_add_exactly(seed, n, extra):
    items = hdc.random(n + extra, 256, random_state=seed)
    ms = hdc.Multiset(256, random_state=seed)
    ms.add(items[:n])
    before_counts, before_value = ms.counts.copy(), ms.value.copy()
    ms.add(items[n:], 2)
    ms.remove(items[n:], 2)
    assert np.array_equal(ms.counts, before_counts)
    assert np.array_equal(ms.value, before_value)


@given(seeds, st.sampled_from([5, 9, 21, 61]))
def test_multiset_size_estimate_from_the_binary_value(seed, n):
    dim = 8192
    items = hdc.random(n, dim, random_state=seed)
    ms = hdc.Multiset(dim, random_state=seed)
    ms.add(items)
    estimate = ms.estimate_size(items)
    assert estimate % 2 == 1
    # member similarity falls like 1/sqrt(n): the estimate is good to a few tens of percent
    assert n / 1.6 <= estimate <= n * 1.6 + 2


# ------------------------------------------------------------------ HashTable
@pytest.mark.parametrize("dim", [64, 192])
@pytest.mark.parametrize("n", [1, 3, 6])
def test_hashtable_matches_reference(dim, n):
    rng = np.random.default_rng(10 * dim + n)
    keys = hdc.random(n, dim, random_state=rng)
    candidates = hdc.random(12, dim, random_state=rng)
    memory = hdc.AssociativeMemory(dim)
    memory.add(candidates, [f"v{i}" for i in range(12)])
    chosen = rng.integers(0, 12, size=n)
    table = hdc.HashTable(dim, memory=memory, random_state=3)
    table.put(keys, candidates[chosen])
    pairs = unpack_bits(keys) ^ unpack_bits(candidates[chosen])
    expected, _ = ref_majority(pairs, np.ones(n), table._bundle.tie_seed)
    assert np.array_equal(table.value, pack_bits(expected))
    noisy = expected[None, :] ^ unpack_bits(keys)
    assert np.array_equal(table.unbind(keys), pack_bits(noisy))
    nearest = ref_nearest(noisy, unpack_bits(candidates))
    assert np.array_equal(table.get(keys), candidates[nearest])
    labels, sims = table.query(keys, k=1)
    assert labels[:, 0].tolist() == [f"v{i}" for i in nearest]
    assert np.allclose(sims[:, 0], ref_similarity(noisy, unpack_bits(candidates)).max(1))
    assert np.array_equal(table.get(keys[0]), candidates[nearest[0]])


def test_hashtable_own_memory_holds_the_values_put():
    keys = hdc.random(4, 128, random_state=0)
    values = hdc.random(4, 128, random_state=1)
    table = hdc.HashTable.from_pairs(keys[:2], values[:2], random_state=0)
    table.put(keys[2:], values[2:])
    assert len(table) == 4 and len(table.memory) == 4
    assert np.array_equal(table.memory.vectors, values)
    assert table.memory.labels.tolist() == [0, 1, 2, 3]


@given(seeds, st.integers(1, 15), st.integers(16, 64))
def test_hashtable_get_after_put_at_documented_size(seed, n, m):
    dim = 2048
    assert 1 - hdc.capacity(n, dim, m) < 1e-8  # the documented probability at this size
    rng = np.random.default_rng(seed)
    keys = hdc.random(n, dim, random_state=rng)
    memory = hdc.AssociativeMemory(dim)
    memory.add(hdc.random(m, dim, random_state=rng), np.arange(m))
    chosen = rng.integers(0, m, size=n)
    table = hdc.HashTable.from_pairs(keys, memory.vectors[chosen], memory=memory, random_state=rng)
    assert np.array_equal(table.query(keys)[0][:, 0], chosen)
    assert np.array_equal(table.get(keys), memory.vectors[chosen])


@given(seeds, st.integers(1, 10))
def test_hashtable_remove_inverts_put(seed, n):
    keys = hdc.random(n + 1, 512, random_state=seed)
    values = hdc.random(n + 1, 512, random_state=seed + 1)
    table = hdc.HashTable.from_pairs(keys[:n], values[:n], random_state=seed)
    before = table.value.copy()
    table.put(keys[n], values[n])
    table.remove(keys[n], values[n])
    assert len(table) == n
    assert np.array_equal(table.value, before)


def test_measured_get_accuracy_agrees_with_capacity():
    """Mid-capacity: 2,040 gets from 34 records of 60 pairs, 1,000 candidates, dim 1,024."""
    dim, n, m, records = 1024, 60, 1000, 34
    rng = np.random.default_rng(0)
    memory = hdc.AssociativeMemory(dim)
    memory.add(hdc.random(m, dim, random_state=rng), np.arange(m))
    hits = 0
    for _ in range(records):
        keys = hdc.random(n, dim, random_state=rng)
        chosen = rng.integers(0, m, size=n)
        table = hdc.HashTable.from_pairs(keys, memory.vectors[chosen], memory, random_state=rng)
        hits += int((table.query(keys)[0][:, 0] == chosen).sum())
    predicted = hdc.capacity(n, dim, m)
    measured = hits / (n * records)
    assert 0.3 < predicted < 0.7
    assert abs(measured - predicted) < 4 * np.sqrt(predicted * (1 - predicted) / (n * records))


# ------------------------------------------------------------------ analogy
def test_dollar_of_mexico():
    dim = 10240
    name, capital, currency = hdc.item_memory(3, dim, random_state=0)
    words = ["USA", "Washington", "dollar", "Mexico", "Mexico City", "peso", "France", "euro"]
    fillers = hdc.AssociativeMemory(dim)
    fillers.add(hdc.item_memory(len(words), dim, random_state=1), words)
    v = dict(zip(words, fillers.vectors, strict=True))
    roles = np.stack([name, capital, currency])
    usa = hdc.HashTable.from_pairs(
        roles, np.stack([v["USA"], v["Washington"], v["dollar"]]), fillers, random_state=2
    )
    mexico = hdc.HashTable.from_pairs(
        roles, np.stack([v["Mexico"], v["Mexico City"], v["peso"]]), fillers, random_state=3
    )
    labels, sims = hdc.analogy(usa, mexico, v["dollar"], fillers, k=2)
    assert labels[0] == "peso" and sims[0] > sims[1] + 0.05
    labels, _ = hdc.analogy(usa, mexico, np.stack([v["Washington"], v["USA"]]), fillers)
    assert labels[:, 0].tolist() == ["Mexico City", "Mexico"]
    # the reference: bind the two record bits and the query bits, take the nearest filler
    answer = unpack_bits(usa.value) ^ unpack_bits(mexico.value) ^ unpack_bits(v["dollar"])
    assert words[ref_nearest(answer, unpack_bits(fillers.vectors))[0]] == "peso"


# ------------------------------------------------------------------ Sequence
@pytest.mark.parametrize("dim", [64, 320])
def test_sequence_matches_reference(dim):
    rng = np.random.default_rng(dim)
    alphabet = hdc.random(10, dim, random_state=rng)
    memory = hdc.AssociativeMemory(dim)
    memory.add(alphabet, list("abcdefghij"))
    order = rng.integers(0, 10, size=7)
    seq = hdc.Sequence(dim, memory=memory, random_state=5)
    seq.append(alphabet[order[:3]])
    seq.append(alphabet[order[3]])
    seq.append(alphabet[order[4:]])
    rolled = np.stack([ref_roll(unpack_bits(alphabet[c]), i) for i, c in enumerate(order)])
    expected, _ = ref_majority(rolled, np.ones(7), seq._bundle.tie_seed)
    assert np.array_equal(seq.value, pack_bits(expected))
    positions = np.array([6, 0, 3, 3])
    noisy = np.stack([ref_roll(expected, -p) for p in positions])
    assert np.array_equal(seq.unbind(positions), pack_bits(noisy))
    nearest = ref_nearest(noisy, unpack_bits(alphabet))
    assert np.array_equal(seq.get(positions), alphabet[nearest])
    assert seq.query(positions)[0][:, 0].tolist() == [list("abcdefghij")[i] for i in nearest]
    assert np.array_equal(
        seq.get(2), alphabet[ref_nearest(ref_roll(expected, -2), unpack_bits(alphabet))[0]]
    )


@pytest.mark.parametrize("weight", [1, 100, 300, 40000])
def test_multiset_counters_widen_before_they_overflow(weight):
    """Counters start as int8 and widen to int16 / int32 exactly when a count could pass the
    type's range; the counts and the value equal the reference on bits throughout, and
    removals take the counts back (also below zero)."""
    rng = np.random.default_rng(weight)
    items = hdc.random(6, 128, random_state=rng)
    ms = hdc.Multiset(128, random_state=3)
    weights = np.zeros(6, dtype=np.int64)
    for step in range(8):
        add = rng.integers(0, weight + 1, size=6)
        ms.add(items, add)
        weights += add
        if step % 3 == 2:
            ms.remove(items[:2], weight)
            weights[:2] -= weight
        expected, ones = ref_majority(unpack_bits(items), weights, ms._bundle.tie_seed)
        assert np.array_equal(ms.counts, ones) and ms.counts.dtype == np.int32
        assert np.array_equal(ms.value, pack_bits(expected))
        largest = np.abs(ones).max()
        assert np.iinfo(ms._bundle.counts.dtype).max >= largest
    stored = ms._bundle.counts.dtype
    assert stored == (np.int8 if weight == 1 else np.int16 if weight < 1000 else np.int32)
    assert ms.nbytes == 128 * np.dtype(stored).itemsize + 128 // 8


def test_sequence_concatenation_widens_the_counters():
    items = hdc.random(2, 64, random_state=0)
    first, second = hdc.Sequence(64, random_state=1), hdc.Sequence(64, random_state=1)
    for _ in range(150):
        first.append(items[0])
        second.append(items[1])
    whole = hdc.Sequence(64, random_state=1)
    whole.append(np.repeat(items, 150, axis=0))
    assert first._bundle.counts.dtype == np.int8
    assert np.abs(first.counts).max() + np.abs(second.counts).max() > 127
    first.extend(second)
    assert first._bundle.counts.dtype == np.int16
    assert np.array_equal(first.counts, whole.counts)
    assert np.array_equal(first.value, whole.value)


@given(seeds, st.integers(1, 8), st.integers(1, 8))
def test_sequence_concatenation_equals_appending(seed, n1, n2):
    items = hdc.random(n1 + n2, 256, random_state=seed)
    first = hdc.Sequence(256, random_state=seed)
    first.append(items[:n1])
    second = hdc.Sequence(256, random_state=seed + 1)
    second.append(items[n1:])
    whole = hdc.Sequence(256, random_state=seed)
    whole.append(items)
    joined = first + second
    assert len(joined) == n1 + n2
    assert np.array_equal(joined.counts, whole.counts)
    assert np.array_equal(joined.value, whole.value)
    assert np.array_equal(joined.memory.vectors, items)
    first.extend(second)
    assert np.array_equal(first.value, whole.value)


@given(seeds, st.integers(1, 15))
def test_sequence_recall_at_documented_size(seed, n):
    dim, m = 2048, 26
    assert 1 - hdc.capacity(n, dim, m) < 1e-8
    memory = hdc.AssociativeMemory(dim)
    memory.add(hdc.random(m, dim, random_state=seed), np.arange(m))
    order = np.random.default_rng(seed).integers(0, m, size=n)
    seq = hdc.Sequence(dim, memory=memory, random_state=seed)
    seq.append(memory.vectors[order])
    assert np.array_equal(seq.query(np.arange(n))[0][:, 0], order)


def test_sequence_replace_is_exact():
    items = hdc.random(5, 256, random_state=0)
    seq = hdc.Sequence(256, random_state=1)
    seq.append(items[:3])
    seq.replace(1, items[1], items[4])
    other = hdc.Sequence(256, random_state=1)
    other.append(items[[0, 4, 2]])
    assert np.array_equal(seq.counts, other.counts)
    assert np.array_equal(seq.value, other.value)


# ------------------------------------------------------------------ DistinctSequence, ngrams
def test_distinct_sequence_matches_reference():
    items = hdc.random(6, 192, random_state=3)
    seq = hdc.DistinctSequence(192)
    seq.append(items[:4])
    seq.append(items[4])
    expected = np.zeros(192, dtype=np.uint8)
    for i in range(5):
        expected ^= ref_roll(unpack_bits(items[i]), i)
    assert np.array_equal(seq.value, pack_bits(expected))
    seq.replace(2, items[2], items[5])
    expected ^= ref_roll(unpack_bits(items[2]), 2) ^ ref_roll(unpack_bits(items[5]), 2)
    assert np.array_equal(seq.value, pack_bits(expected))
    rest = seq.unbind(items[[0, 1, 5, 3]], [0, 1, 2, 3])
    assert np.array_equal(rest, pack_bits(ref_roll(unpack_bits(items[4]), 4)))


@given(seeds, st.integers(1, 10))
def test_distinct_sequence_pop_inverts_append(seed, n):
    items = hdc.random(n + 1, 128, random_state=seed)
    seq = hdc.DistinctSequence(128)
    seq.append(items[:n])
    before = seq.value.copy()
    seq.append(items[n])
    seq.pop(items[n])
    assert len(seq) == n and np.array_equal(seq.value, before)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_ngrams_match_reference(n):
    items = hdc.random(8, 128, random_state=n)
    bits = unpack_bits(items)
    expected = []
    for t in range(8 - n + 1):
        window = np.zeros(128, dtype=np.uint8)
        for j in range(n):
            window ^= ref_roll(bits[t + j], n - 1 - j)
        expected.append(window)
    assert np.array_equal(hdc.ngrams(items, n), pack_bits(np.stack(expected)))


# ------------------------------------------------------------------ Graph
@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("dim", [64, 256])
def test_graph_matches_reference(directed, dim):
    rng = np.random.default_rng(dim + directed)
    nodes = hdc.random(7, dim, random_state=rng)
    edges = np.array([[0, 1], [1, 2], [2, 0], [3, 4], [5, 6], [0, 6]])
    g = hdc.Graph.from_edges(edges, nodes, directed=directed, random_state=4)
    bits = unpack_bits(nodes)
    second = ref_roll(bits[edges[:, 1]], 1) if directed else bits[edges[:, 1]]
    # the fixed random term: the only term of an empty graph of the same seed (its counts)
    salt = hdc.Graph(nodes, directed=directed, random_state=4).counts.astype(np.uint8)
    encoded = np.vstack([bits[edges[:, 0]] ^ second, salt[None]])
    expected, _ = ref_majority(encoded, np.ones(len(edges) + 1), g._bundle.tie_seed)
    assert np.array_equal(g.value, pack_bits(expected))
    assert len(g) == len(edges)
    t = default_threshold(len(edges) + 1, dim)
    src, dst = np.meshgrid(np.arange(7), np.arange(7), indexing="ij")
    src, dst = src.ravel(), dst.ravel()
    ok = src != dst
    src, dst = src[ok], dst[ok]
    other = ref_roll(bits[dst], 1) if directed else bits[dst]
    sims = ref_similarity(bits[src] ^ other, expected)[:, 0]
    assert np.allclose(g.edge_similarity(src, dst), sims)
    assert np.array_equal(g.has_edge(src, dst), sims >= t)
    for direction in ("out", "in"):
        if directed and direction == "out":
            probes = ref_roll(expected[None] ^ bits, -1)
        elif directed:
            probes = expected[None] ^ ref_roll(bits, 1)
        else:
            probes = expected[None] ^ bits
        ref = ref_similarity(probes, bits)
        assert np.allclose(g.neighbour_similarity(np.arange(7), direction), ref)
        assert np.array_equal(g.neighbours(np.arange(7), direction), ref >= t)
        assert np.array_equal(g.neighbours(3, direction), ref[3] >= t)


def test_graph_has_no_phantom_edge_between_the_odd_degree_nodes():
    """A path of 5 edges: without the extra term, its ends would look adjacent."""
    dim = 8192
    nodes = hdc.random(6, dim, random_state=0)
    path = [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]
    plain = hdc.bundle(hdc.bind(nodes[[0, 1, 2, 3, 4]], nodes[[1, 2, 3, 4, 5]]))
    assert hdc.similarity(hdc.bind(plain, nodes[0]), nodes[5]) > 0.65  # the phantom
    g = hdc.Graph.from_edges(path, nodes, random_state=0)
    assert g.neighbours(0).nonzero()[0].tolist() == [1]
    assert g.neighbours(5).nonzero()[0].tolist() == [4]
    # what is left of the phantom: about 1/n of a member's correlation (n = 5 edges)
    gap = hdc.member_similarity(len(path) + 1) - 0.5
    assert g.neighbour_similarity(0)[0, 5] < 0.5 + gap / 3


@given(seeds, st.booleans())
def test_graph_queries_at_documented_size(seed, directed):
    """The documented error rates hold for edges without cycles (independent edge terms)."""
    dim, n_nodes = 4096, 12
    rng = np.random.default_rng(seed)
    pairs = np.array([(i, j) for i in range(n_nodes) for j in range(n_nodes) if i != j])
    # a random forest of 9 edges: each of nodes 1..9 (in shuffled order) linked to an earlier one
    order = rng.permutation(n_nodes)
    edges = np.array([(order[rng.integers(k)], order[k]) for k in range(1, 10)])
    edges = np.where(rng.random((9, 1)) < 0.5, edges, edges[:, ::-1])  # random directions
    if not directed:  # one orientation per undirected edge
        edges = np.unique(np.sort(edges, axis=1), axis=0)
    _, false_negative, false_positive = hdc.membership_error(len(edges) + 1, dim)
    assert false_negative < 1e-9 and false_positive < 1e-9
    nodes = hdc.random(n_nodes, dim, random_state=rng)
    g = hdc.Graph.from_edges(edges, nodes, directed=directed, random_state=seed)
    truth = np.zeros((n_nodes, n_nodes), dtype=bool)
    truth[edges[:, 0], edges[:, 1]] = True
    if not directed:
        truth |= truth.T
    assert np.array_equal(g.neighbours(np.arange(n_nodes)), truth)
    if directed:
        assert np.array_equal(g.neighbours(np.arange(n_nodes), "in"), truth.T)
    assert np.array_equal(g.has_edge(pairs[:, 0], pairs[:, 1]), truth[pairs[:, 0], pairs[:, 1]])
    before = g.value.copy()
    g.add_edges(pairs[0, 0], pairs[0, 1])
    g.remove_edges(pairs[0, 0], pairs[0, 1])
    assert np.array_equal(g.value, before)


def test_graph_edges_on_a_four_cycle_lose_the_predicted_similarity():
    """An edge on an even cycle is the XOR of the cycle's other edges: the majority's order-3
    coefficient (-1/(n-2) of the first for n terms) lowers its similarity, as docs/symbolic.md
    states. A square: 4 edges + the extra term, n = 5, 0.5 + 0.375 * (1 - 1/3) / 2 = 0.625
    instead of member_similarity(5) = 0.6875."""
    dim = 8192
    square = [[0, 1], [1, 2], [2, 3], [0, 3]]
    means = []
    for seed in range(8):
        nodes = hdc.random(4, dim, random_state=seed)
        g = hdc.Graph.from_edges(square, nodes, random_state=seed)
        s = g.neighbour_similarity(np.arange(4))
        means.append(np.mean([s[a, b] for a, b in square]))
        truth = np.zeros((4, 4), dtype=bool)
        truth[[0, 1, 2, 0], [1, 2, 3, 3]] = True
        assert np.array_equal(g.neighbours(np.arange(4)), truth | truth.T)  # still found
    assert hdc.member_similarity(5) == pytest.approx(0.6875)
    # 32 edge similarities, each with std 0.0053: the mean's std is below 0.001
    assert np.mean(means) == pytest.approx(0.625, abs=0.004)


# ------------------------------------------------------------------ bad input
def test_bad_input_names_the_argument():
    x = hdc.random(3, 128, random_state=0)
    ms = hdc.Multiset(128)
    with pytest.raises(ValueError, match="items.*192-bit.*dim 128"):
        ms.add(hdc.random(2, 192))
    with pytest.raises(TypeError, match="items.*uint64"):
        ms.add(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="count.*shape \\(3,\\)"):
        ms.add(x, [1, 2])
    with pytest.raises(TypeError, match="count"):
        ms.add(x, 1.5)
    with pytest.raises(ValueError, match="count must be >= 0"):
        ms.remove(x, -1)
    with pytest.raises(ValueError, match="threshold.*\\(0, 1\\]"):
        ms.contains(x, threshold=1.5)
    with pytest.raises(ValueError, match="members is empty"):
        ms.estimate_size(x[:0])
    with pytest.raises(ValueError, match="dim"):
        hdc.Multiset(100)

    table = hdc.HashTable(128)
    with pytest.raises(ValueError, match="3 keys and 2 values"):
        table.put(x, x[:2])
    with pytest.raises(TypeError, match="memory.*AssociativeMemory"):
        hdc.HashTable(128, memory=x)
    with pytest.raises(ValueError, match="memory stores dim 256"):
        hdc.HashTable(128, memory=hdc.AssociativeMemory(256))
    with pytest.raises(ValueError, match="empty"):
        table.get(x)

    seq = hdc.Sequence(128)
    seq.append(x)
    with pytest.raises(ValueError, match="positions must lie in \\[0, 3\\)"):
        seq.get([0, 3])
    with pytest.raises(TypeError, match="positions"):
        seq.get(1.0)
    with pytest.raises(TypeError, match="other"):
        seq.extend(x)
    with pytest.raises(ValueError, match="pop from an empty"):
        hdc.DistinctSequence(128).pop(x[0])
    with pytest.raises(ValueError, match="n must lie in \\[1, 3\\]"):
        hdc.ngrams(x, 4)

    with pytest.raises(ValueError, match="self-loops"):
        hdc.Graph.from_edges([[0, 1], [2, 2]], x)
    with pytest.raises(ValueError, match="edges must have shape"):
        hdc.Graph.from_edges([0, 1], x)
    with pytest.raises(ValueError, match="node indices in \\[0, 3\\)"):
        hdc.Graph(x).add_edges([0], [3])
    with pytest.raises(TypeError, match="sources"):
        hdc.Graph(x).add_edges([0.0], [1])
    with pytest.raises(ValueError, match="direction"):
        hdc.Graph(x).neighbours(0, direction="up")
    with pytest.raises(TypeError, match="directed"):
        hdc.Graph(x, directed="yes")
    with pytest.raises(TypeError, match="memory"):
        hdc.analogy(x[0], x[1], x[2], memory=x)


def test_structures_are_deterministic_for_a_random_state():
    x = hdc.random(4, 256, random_state=0)  # even count: ties decided by the tie bits
    a, b = hdc.Multiset(256, random_state=11), hdc.Multiset(256, random_state=11)
    a.add(x)
    b.add(x)
    assert np.array_equal(a.value, b.value)


@given(seeds, st.floats(0.0, 1.0, allow_nan=False), st.sampled_from([64, 192, 1024]))
def test_integer_distance_threshold_equals_float_similarity_test(seed, t, dim):
    from hdc import structures

    q = hdc.random(7, dim, random_state=seed)
    c = np.vstack([q[:2], hdc.flip(q[2:5], 0.3, random_state=seed), hdc.random(4, dim, seed)])
    expected = hdc.similarity(q, c) >= t
    assert np.array_equal(structures._within(q, c, t, dim), expected)


def _unset(shape):
    """A boolean array of the byte 2 in every cell: neither False nor True as stored, so a
    cell a kernel leaves unwritten is caught (np.empty often holds zeros, i.e. False)."""
    return np.full(shape, 2, dtype=np.uint8).view(bool)


def _assert_booleans_equal(got, expected):
    assert got.view(np.uint8).max(initial=0) <= 1, "a cell was left unwritten"
    np.testing.assert_array_equal(got, expected)


@given(
    seeds,
    st.integers(1, 9),
    st.integers(1, 13),
    st.sampled_from([64, 192]),
    st.sampled_from([4, 8, 1000]),
)
def test_blocked_query_kernels_match_reference(seed, n_queries, n_candidates, dim, block):
    """The blocked kernels against distances on unpacked bits: thresholds, and the symmetric
    adjacency, whole and as chunks of rows from every multiple of four."""
    from hdc import _structure_kernels as sk

    rng = np.random.default_rng(seed)
    candidates = hdc.random(n_candidates, dim, random_state=rng)
    queries = hdc.random(n_queries, dim, random_state=rng)
    queries[: n_queries // 2] = candidates[rng.integers(0, n_candidates, n_queries // 2)]
    d = ref_hamming(queries, candidates)
    limit = int(rng.integers(0, dim))
    out = _unset((n_queries, n_candidates))
    queries, candidates = readonly(queries), readonly(candidates)  # as hdc.structures passes
    sk.within(queries, candidates, limit, block, out)
    _assert_booleans_equal(out, d <= limit)
    value = hdc.random(None, dim, random_state=rng)
    probes = readonly(candidates ^ value)
    expected = ref_hamming(probes, candidates) <= limit
    full = _unset((n_candidates, n_candidates))
    sk.within_symmetric(probes, candidates, 0, n_candidates, limit, block, full, full[:0])
    _assert_booleans_equal(full, expected)
    for first in range(0, n_candidates, 4):
        for stop in range(first + 1, n_candidates + 1):
            if stop < n_candidates and stop % 4:
                continue  # chunks end on a multiple of four, but the last
            part = _unset((stop - first, n_candidates - first))
            mirror = _unset((n_candidates - stop, stop - first))
            sk.within_symmetric(probes, candidates, first, stop, limit, block, part, mirror)
            _assert_booleans_equal(part, expected[first:stop, first:])
            _assert_booleans_equal(mirror, expected[stop:, first:stop])


@pytest.mark.parametrize("n_nodes", [1, 13, 16, 47])
def test_chunked_threshold_queries_over_two_workers_equal_the_reference(monkeypatch, n_nodes):
    """The symmetric relation in chunks of 16 rows, and the threshold test in chunks of
    queries or (few queries) of candidates, on two workers: every cell written (allocations
    start as neither False nor True), and equal to distances on unpacked bits."""
    import numba

    from hdc import _parallel, structures

    class Unset:  # numpy, but np.empty gives arrays of the byte 2
        def __getattr__(self, name):
            return getattr(np, name)

        @staticmethod
        def empty(shape, dtype=float):
            if np.dtype(dtype) == np.bool_:
                return _unset(shape)
            return np.empty(shape, dtype=dtype)

    monkeypatch.setattr(structures, "np", Unset())
    monkeypatch.setattr(_parallel, "CHUNK_WORDS", 1)  # 16 rows, 64 candidates per chunk
    monkeypatch.setattr(_parallel, "ADAPT_TO_LOAD", False)  # two workers even on a busy machine
    threads = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        nodes = hdc.random(n_nodes, 192, random_state=n_nodes)
        probes = nodes ^ hdc.random(None, 192, random_state=1)
        many = hdc.random(150, 192, random_state=2)  # more than two chunks of 64 candidates
        for limit in (0, 90, 96, 192):
            reference = ref_hamming(probes, nodes) <= limit
            _assert_booleans_equal(structures._within_symmetric(probes, nodes, limit), reference)
            t = 1.0 - limit / 192
            _assert_booleans_equal(structures._within(probes, nodes, t, 192), reference)
            _assert_booleans_equal(structures._within(probes, many, t, 192),
                                   ref_hamming(probes, many) <= limit)
            _assert_booleans_equal(structures._within(many, probes, t, 192),
                                   ref_hamming(many, probes) <= limit)
    finally:
        numba.set_num_threads(threads)


@given(
    seeds,
    st.integers(1, 11),
    st.integers(1, 13),
    st.sampled_from([64, 192]),
    st.sampled_from([4, 8, 1000]),
)
def test_nearest_kernel_matches_reference_first_index_on_ties(
    seed, n_queries, n_candidates, dim, block
):
    """The 4 x 4 blocked nearest-candidate kernel against distances on unpacked bits, with
    repeated candidates (ties: the first index wins, as np.argmin)."""
    from hdc import _structure_kernels as sk

    rng = np.random.default_rng(seed)
    candidates = hdc.random(n_candidates, dim, random_state=rng)
    candidates[rng.integers(0, n_candidates, n_candidates // 2)] = candidates[0]
    queries = hdc.flip(candidates[rng.integers(0, n_candidates, n_queries)], 0.2, rng)
    queries[: n_queries // 3] = hdc.random(n_queries // 3, dim, random_state=rng)
    d = ref_hamming(queries, candidates)
    index = np.empty(n_queries, dtype=np.int64)
    dist = np.empty(n_queries, dtype=np.int64)
    sk.nearest(readonly(queries), readonly(candidates), block, index, dist)
    assert np.array_equal(index, d.argmin(1))
    assert np.array_equal(dist, d.min(1))


@pytest.mark.parametrize("n_queries", [1, 3, 4, 37])
def test_get_and_query_equal_the_memory_cleanup(n_queries):
    """HashTable and Sequence get / query(k=1) through the structure's nearest kernel equal the
    AssociativeMemory's cleanup and query of the unbound items (labels, similarities, shapes),
    ties included; k > 1 is the memory's query."""
    dim = 640
    rng = np.random.default_rng(n_queries)
    values = hdc.random(30, dim, random_state=rng)
    memory = hdc.AssociativeMemory(dim)
    memory.add(np.vstack([values, values[:5]]), [f"v{i}" for i in range(35)])  # ties
    keys = hdc.random(n_queries, dim, random_state=rng)
    stored = values[np.arange(n_queries) % 30]
    table = hdc.HashTable.from_pairs(keys, stored, memory, random_state=0)
    word = hdc.Sequence(dim, memory=memory, random_state=0)
    word.append(values[rng.integers(0, 30, n_queries)])
    for structure, asked in ((table, keys), (word, np.arange(n_queries))):
        items = structure.unbind(asked)
        np.testing.assert_array_equal(structure.get(asked), memory.cleanup(items))
        for k in (1, 3):
            labels, sims = structure.query(asked, k=k)
            expected_labels, expected_sims = memory.query(items, k=k)
            np.testing.assert_array_equal(labels, expected_labels)
            np.testing.assert_array_equal(sims, expected_sims)
        one = asked[0]
        np.testing.assert_array_equal(structure.get(one), memory.cleanup(structure.unbind(one)))
        for got, expected in zip(structure.query(one), memory.query(structure.unbind(one)),
                                 strict=True):
            assert got.shape == expected.shape == (1,)
            np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match="empty"):
        hdc.HashTable(dim, random_state=0).get(keys)


@pytest.mark.parametrize("n_queries", [1, 15, 16, 17, 70])
def test_chunked_get_over_two_workers_equals_the_memory(monkeypatch, n_queries):
    """get / query(k=1) split into chunks of 16 queries on two workers: the same answers as
    the memory's cleanup and query (ties included)."""
    import numba

    from hdc import _parallel

    monkeypatch.setattr(_parallel, "CHUNK_WORDS", 1)  # 16 queries per chunk
    monkeypatch.setattr(_parallel, "ADAPT_TO_LOAD", False)  # two workers even on a busy machine
    threads = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        rng = np.random.default_rng(n_queries)
        values = hdc.random(9, 256, random_state=rng)
        memory = hdc.AssociativeMemory(256)
        memory.add(np.vstack([values, values[:3]]), np.arange(12))
        keys = hdc.random(n_queries, 256, random_state=rng)
        table = hdc.HashTable.from_pairs(keys, values[np.arange(n_queries) % 9], memory, 0)
        items = table.unbind(keys)
        np.testing.assert_array_equal(table.get(keys), memory.cleanup(items))
        for got, expected in zip(table.query(keys), memory.query(items), strict=True):
            np.testing.assert_array_equal(got, expected)
    finally:
        numba.set_num_threads(threads)


def test_wide_block_kernel_compiles_to_512_bit_vector_popcounts():
    """Where numba compiles for VPOPCNTQ and 512-bit registers, the nearest kernel's block
    loop uses them (the reason for the explicit vectors); elsewhere the portable loop."""
    import re

    from hdc import _structure_kernels as sk
    from hdc._wide import WIDE

    if not WIDE:
        pytest.skip("numba does not compile for a CPU with AVX-512 VPOPCNTQ here")
    from numba import njit

    fresh = njit(nogil=True)(sk.nearest.py_func)  # not from the cache: cached code has no asm
    q = hdc.random(8, 1024, random_state=0)
    index, dist = np.empty(8, dtype=np.int64), np.empty(8, dtype=np.int64)
    fresh(q, q, 4, index, dist)
    asm = "".join(fresh.inspect_asm().values())
    assert re.search(r"vpopcntq\s+%zmm", asm)


def test_graph_neighbours_of_many_nodes_use_the_symmetric_kernel():
    """Every node, a subset with repeats and one node give the same rows as the generic
    threshold test (undirected graphs)."""
    from hdc import structures

    nodes = hdc.item_memory(40, 1024, random_state=0)
    g = hdc.Graph.from_edges([[0, 1], [1, 2], [5, 7], [7, 39], [20, 21]], nodes, random_state=0)
    t = g._threshold(None)
    generic = structures._within(g._neighbourhoods(np.arange(40), "out"), nodes, t, 1024)
    assert np.array_equal(g.neighbours(np.arange(40)), generic)
    picked = np.r_[np.arange(25), 7, 7, 3]
    assert np.array_equal(g.neighbours(picked), generic[picked])
    assert np.array_equal(g.neighbours(7), generic[7])
    assert g.neighbours(7).nonzero()[0].tolist() == [5, 39]


# ------------------------------------------------------------------ freeze
def _built_structures(dim):
    items = hdc.item_memory(12, dim, random_state=0)
    memory = hdc.AssociativeMemory(dim)
    memory.add(items, list("abcdefghijkl"))
    basket = hdc.Multiset(dim, random_state=0)
    basket.add(items[:5])
    table = hdc.HashTable.from_pairs(items[:4], items[4:8], memory=memory, random_state=1)
    word = hdc.Sequence(dim, memory=memory, random_state=2)
    word.append(items[[3, 1, 4, 1, 5]])
    graph = hdc.Graph.from_edges([[0, 1], [1, 2], [2, 3], [5, 7]], items, random_state=3)
    directed = hdc.Graph.from_edges([[0, 1], [1, 2], [9, 3]], items, True, random_state=4)
    return items, [
        (basket, lambda s: (s.contains(items), s.similarity(items), len(s))),
        (table, lambda s: (*s.query(items[:6]), s.get(items[:4]), s.unbind(items[:2]))),
        (word, lambda s: (*s.query(np.arange(5), k=2), s.get(np.arange(5)))),
        (graph, lambda s: (s.neighbours(np.arange(12)), s.neighbours([1, 1, 5]),
                           s.has_edge([0, 0], [1, 2]), s.neighbour_similarity([2]))),
        (directed, lambda s: (s.neighbours(np.arange(12), "out"), s.neighbours([1], "in"),
                              s.has_edge([0, 1], [1, 0]))),
    ]


@pytest.mark.parametrize("dim", [256, 4096])
def test_freeze_keeps_every_query_and_drops_the_counters(dim, tmp_path):
    """A frozen structure answers every query exactly as before, holds dim // 8 bytes, refuses
    edits (nothing changed by a refused edit) and survives save / load."""
    items, cases = _built_structures(dim)
    for k, (structure, queries) in enumerate(cases):
        before = queries(structure)
        value = structure.value.copy()
        assert not structure.frozen and structure.nbytes == dim + dim // 8  # int8 counters
        assert structure.freeze() is structure and structure.frozen
        assert structure.nbytes == dim // 8
        assert structure.freeze().frozen  # twice is allowed
        after = queries(structure)
        for a, b in zip(before, after, strict=True):
            np.testing.assert_array_equal(a, b)
        assert np.array_equal(structure.value, value)
        with pytest.raises(ValueError, match="frozen"):
            _ = structure.counts
        loaded = hdc.load(hdc.save(structure, tmp_path / f"frozen{k}.npz"))
        assert loaded.frozen and loaded.nbytes == dim // 8
        for a, b in zip(before, queries(loaded), strict=True):
            np.testing.assert_array_equal(a, b)


def test_frozen_structures_refuse_every_edit():
    items, cases = _built_structures(256)
    (basket, _), (table, _), (word, _), (graph, _), _ = cases
    for s, _ in cases:
        s.freeze()
    n_memory = len(word.memory)
    edits = [
        lambda: basket.add(items[0]),
        lambda: basket.remove(items[0]),
        lambda: table.put(items[0], items[1]),
        lambda: table.remove(items[0], items[4]),
        lambda: word.append(items[0]),
        lambda: word.replace(0, items[3], items[2]),
        lambda: word.extend(word),
        lambda: word + word,
        lambda: graph.add_edges(0, 5),
        lambda: graph.remove_edges(0, 1),
        lambda: basket.add(items[:0]),  # even an empty edit
    ]
    for edit in edits:
        with pytest.raises(ValueError, match="frozen"):
            edit()
    # an editable sequence cannot take in a frozen one either; nothing is changed
    fresh = hdc.Sequence(256, random_state=0)
    fresh.append(items[:2])
    own = len(fresh.memory)
    with pytest.raises(ValueError, match="frozen"):
        fresh.extend(word)
    assert len(fresh) == 2 and len(fresh.memory) == own and len(word.memory) == n_memory
