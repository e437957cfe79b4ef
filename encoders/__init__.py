"""Encoders: scikit-learn transformers that turn data into packed ``uint64`` hypervectors."""

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
