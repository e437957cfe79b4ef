"""Symbolic computing with packed hypervectors: an analogy, a sequence, a graph, a factorization.

Run::

    python examples/symbolic.py            # dim 10,240; a few seconds after compilation
    python examples/symbolic.py --dim 4096 --seed 1

1. "What is the dollar of Mexico?" (Kanerva 2010): records of countries (name, capital,
   currency) as bundles of role-filler bindings; the mapping USA -> Mexico is the binding of the
   two records, and it carries "dollar" to "peso".
2. A sequence of words by permutation: recall every position in one batched query.
3. A small directed graph: out- and in-neighbours and edge tests by similarity.
4. A resonator network factorizes a product of three codevectors, beside exhaustive search.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import hdc
from hdc.resonator import exhaustive_factorize


def dollar_of_mexico(dim: int, rng: np.random.Generator) -> None:
    print("1. What is the dollar of Mexico?")
    roles = hdc.item_memory(3, dim, random_state=rng)  # name, capital, currency
    countries = {
        "USA": ["United States", "Washington", "dollar"],
        "Mexico": ["Mexico", "Mexico City", "peso"],
        "Sweden": ["Sweden", "Stockholm", "krona"],
    }
    words = [w for fillers in countries.values() for w in fillers]
    fillers = hdc.AssociativeMemory(dim)
    fillers.add(hdc.item_memory(len(words), dim, random_state=rng), words)
    vector = dict(zip(words, fillers.vectors, strict=True))
    records = {
        country: hdc.HashTable.from_pairs(
            roles, np.stack([vector[w] for w in ws]), fillers, random_state=rng
        )
        for country, ws in countries.items()
    }
    labels, sims = hdc.analogy(records["USA"], records["Mexico"], vector["dollar"], fillers, k=2)
    print(
        f"   bind(USA, Mexico) applied to 'dollar' -> {labels[0]!r} (similarity "
        f"{sims[0]:.3f}; runner-up {labels[1]!r} at {sims[1]:.3f}, chance is 0.5)"
    )
    queries = np.stack([vector["Washington"], vector["dollar"], vector["United States"]])
    labels, _ = hdc.analogy(records["USA"], records["Sweden"], queries, fillers)
    print(f"   USA -> Sweden: Washington, dollar, United States -> {', '.join(labels[:, 0])}")
    capital, _ = records["Mexico"].query(roles[1])
    print(f"   the capital of Mexico, by unbinding the role: {capital[0]}")
    editable = records["Mexico"].nbytes
    records["Mexico"].freeze()  # done editing: keep the packed value, drop the counters
    again, _ = records["Mexico"].query(roles[1])
    print(
        f"   frozen: {editable:,} -> {records['Mexico'].nbytes:,} bytes, the same answer "
        f"({again[0]})"
    )


def sequence_recall(dim: int, rng: np.random.Generator) -> None:
    print("2. A sequence by permutation")
    text = "the quick brown fox jumps over the lazy dog".split()
    vocabulary = sorted(set(text))
    words = hdc.AssociativeMemory(dim)
    words.add(hdc.item_memory(len(vocabulary), dim, random_state=rng), vocabulary)
    index = {w: i for i, w in enumerate(vocabulary)}
    sentence = hdc.Sequence(dim, memory=words, random_state=rng)
    sentence.append(words.vectors[[index[w] for w in text]])
    labels, sims = sentence.query(np.arange(len(sentence)))
    print(f"   {len(sentence)} words in one hypervector; recalled in one batched query:")
    print(f"   {' '.join(labels[:, 0])}   (lowest similarity {sims.min():.3f})")
    print(f"   expected accuracy at this size: {hdc.capacity(len(sentence), dim, len(words)):.6f}")
    grams = hdc.ngrams(words.vectors[[index[w] for w in text]], 3)
    profile = hdc.Multiset(dim, random_state=rng)
    profile.add(grams)
    swapped = hdc.ngrams(words.vectors[[index[w] for w in "the lazy fox".split()]], 3)
    print(
        f"   trigram 'quick brown fox' in the profile: {bool(profile.contains(grams[1]))}; "
        f"'the lazy fox': {bool(profile.contains(swapped[0]))}"
    )


def graph_query(dim: int, rng: np.random.Generator) -> None:
    print("3. A directed graph")
    names = ["Alice", "Bob", "Carol", "Dave", "Eve", "Frank"]
    follows = [
        ("Alice", "Bob"),
        ("Alice", "Carol"),
        ("Bob", "Carol"),
        ("Carol", "Alice"),
        ("Dave", "Eve"),
        ("Eve", "Frank"),
        ("Frank", "Dave"),
    ]
    at = {n: i for i, n in enumerate(names)}
    nodes = hdc.item_memory(len(names), dim, random_state=rng)
    edges = np.array([(at[a], at[b]) for a, b in follows])
    graph = hdc.Graph.from_edges(edges, nodes, directed=True, random_state=rng)
    out_rows = graph.neighbours(np.arange(len(names)), "out")
    in_rows = graph.neighbours(np.arange(len(names)), "in")
    for i, name in enumerate(names):
        outs = [names[j] for j in np.flatnonzero(out_rows[i])]
        ins = [names[j] for j in np.flatnonzero(in_rows[i])]
        print(f"   {name:<6} follows {', '.join(outs) or '-':<14} followed by {', '.join(ins)}")
    asked = [("Alice", "Bob"), ("Bob", "Alice"), ("Eve", "Frank"), ("Alice", "Frank")]
    present = graph.has_edge([at[a] for a, _ in asked], [at[b] for _, b in asked])
    print("   " + "; ".join(f"{a}->{b}: {p}" for (a, b), p in zip(asked, present, strict=True)))


def factorization(dim: int, rng: np.random.Generator) -> None:
    print("4. Factorization by a resonator network")
    size = 32
    books = [hdc.item_memory(size, dim, random_state=rng) for _ in range(3)]  # colour, shape, place
    truth = rng.integers(0, size, size=(200, 3))
    products = books[0][truth[:, 0]] ^ books[1][truth[:, 1]] ^ books[2][truth[:, 2]]
    resonator = hdc.Resonator(books, random_state=rng)
    resonator.factorize(products[:1])  # compile (or load from the cache) before timing
    start = time.perf_counter()
    result = resonator.factorize(products)
    seconds = time.perf_counter() - start
    correct = (result.indices == truth).all(1)
    print(
        f"   200 products of 3 factors from codebooks of {size} ({size**3:,} combinations): "
        f"{correct.mean():.1%} exact, {result.iterations.mean():.1f} iterations on average "
        f"(at most {result.iterations.max()}), {1e3 * seconds / 200:.3f} ms each"
    )
    exhaustive_factorize(products[:1], books)  # load the compiled Hamming kernel
    start = time.perf_counter()
    found, _ = exhaustive_factorize(products[:10], books)
    exhaustive = (time.perf_counter() - start) / 10
    print(
        f"   exhaustive search over all combinations: {(found == truth[:10]).all(1).mean():.0%} "
        f"exact, {1e3 * exhaustive:.2f} ms each (speed-ups measured side by side: "
        "benchmarks/bench_symbolic.py --sections resonator)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dim", type=int, default=10240)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    dollar_of_mexico(args.dim, rng)
    sequence_recall(args.dim, rng)
    graph_query(args.dim, rng)
    factorization(args.dim, rng)


if __name__ == "__main__":
    main()
