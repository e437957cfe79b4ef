"""Encoders: scikit-learn transformers that turn data into packed ``uint64`` hypervectors.

Importing ``encoders`` is cheap: each encoder loads its module (with scikit-learn, numba and
the compiled kernels) when it is first used, like the names of :mod:`hdc`.
"""

from typing import TYPE_CHECKING

from hdc._lazy import attach

_EXPORTS = {
    "convolution": ["ConvolutionEncoder"],
    "keypoint": ["KeypointEncoder"],
    "ngram": ["NGramEncoder"],
    "projection": ["ProjectionEncoder"],
    "record": ["RecordEncoder"],
    "table": ["TableEncoder"],
    "table_rff": ["TableRFFEncoder"],
}
__getattr__, __dir__ = attach(__name__, _EXPORTS)

if TYPE_CHECKING:
    from encoders.convolution import ConvolutionEncoder
    from encoders.keypoint import KeypointEncoder
    from encoders.ngram import NGramEncoder
    from encoders.projection import ProjectionEncoder
    from encoders.record import RecordEncoder
    from encoders.table import TableEncoder
    from encoders.table_rff import TableRFFEncoder

__all__ = [
    "ConvolutionEncoder",
    "KeypointEncoder",
    "NGramEncoder",
    "ProjectionEncoder",
    "RecordEncoder",
    "TableEncoder",
    "TableRFFEncoder",
]
