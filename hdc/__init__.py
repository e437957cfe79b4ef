"""The hypervector core: bit-packed binary hypervectors and their algebra.

A hypervector of ``dim`` bits is a numpy ``uint64`` array of ``dim // 64`` words (bit ``i`` is
bit ``i % 64`` of word ``i // 64``); a batch has shape ``(n, dim // 64)``.

Importing ``hdc`` is cheap: each public name loads its submodule (and with it numba, the
compiled kernels or scikit-learn) when it is first used (see ``hdc/_lazy.py``).
"""

from typing import TYPE_CHECKING

from hdc._lazy import attach
from hdc._version import __version__

# Public name -> the submodule that defines it. A new public name goes here, in __all__ and in
# the TYPE_CHECKING imports below, never as an import that runs with `import hdc`.
_EXPORTS = {
    "associative": ["AssociativeMemory"],
    "bundling": ["bundle", "counts", "threshold"],
    "capacity": ["capacity", "member_similarity", "membership_error"],
    "classifier": ["HDClassifier"],
    "items": ["item_memory", "level"],
    "persistence": ["load", "save"],
    "ops": ["bind", "flip", "pack", "permute", "random", "unbind", "unpack"],
    "resonator": ["Resonator"],
    "similarity": ["hamming", "similarity"],
    "structures": [
        "DistinctSequence", "Graph", "HashTable", "Multiset", "Sequence", "analogy", "ngrams"
    ],
}
__getattr__, __dir__ = attach(__name__, _EXPORTS)

if TYPE_CHECKING:  # what static analysers and IDEs read; at run time the names load lazily
    from hdc.associative import AssociativeMemory
    from hdc.bundling import bundle, counts, threshold
    from hdc.capacity import capacity, member_similarity, membership_error
    from hdc.classifier import HDClassifier
    from hdc.items import item_memory, level
    from hdc.ops import bind, flip, pack, permute, random, unbind, unpack
    from hdc.persistence import load, save
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
    "load",
    "member_similarity",
    "membership_error",
    "ngrams",
    "pack",
    "permute",
    "random",
    "save",
    "similarity",
    "threshold",
    "unbind",
    "unpack",
]
