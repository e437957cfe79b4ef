"""The hypervector core: bit-packed binary hypervectors and their algebra.

A hypervector of ``dim`` bits is a numpy ``uint64`` array of ``dim // 64`` words (bit ``i`` is
bit ``i % 64`` of word ``i // 64``); a batch has shape ``(n, dim // 64)``.
"""

from hdc._version import __version__
from hdc.associative import AssociativeMemory
from hdc.bundling import bundle, counts, threshold
from hdc.capacity import capacity, member_similarity, membership_error
from hdc.classifier import HDClassifier
from hdc.items import item_memory, level
from hdc.ops import bind, flip, pack, permute, random, unbind, unpack
from hdc.resonator import Resonator
from hdc.similarity import hamming, similarity
from hdc.structures import (
    DistinctSequence,
    Graph,
    HashTable,
    Multiset,
    Sequence,
    analogy,
    ngrams,
)

__all__ = [
    "__version__",
    "AssociativeMemory",
    "DistinctSequence",
    "Graph",
    "HDClassifier",
    "HashTable",
    "Multiset",
    "Resonator",
    "Sequence",
    "analogy",
    "bind",
    "bundle",
    "capacity",
    "counts",
    "flip",
    "hamming",
    "item_memory",
    "level",
    "member_similarity",
    "membership_error",
    "ngrams",
    "pack",
    "permute",
    "random",
    "similarity",
    "threshold",
    "unbind",
    "unpack",
]
