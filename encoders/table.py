"""The default encoder for tables: a record code and a random-Fourier-feature code side by side."""

from __future__ import annotations

from typing import Any

import numpy as np

from encoders._base import SHARED_RULES
from encoders._columns import ColumnSelection, TableColumns
from encoders._table_fit import TableFit, TableStatistics
from encoders.record import RecordEncoder
from encoders.table_rff import TableRFFEncoder
from hdc._parameters import Integer, Real
from hdc._validation import WORD_BITS, check_random_state

__all__ = ["TableEncoder"]


class TableEncoder(TableFit):
    """Encode the rows of a table as two codes side by side: a record code and an RFF code.

    This is the encoder :class:`hdc.HDClassifier` builds for ``encoder="auto"`` on a table (a
    numeric array, a numpy object array or a pandas DataFrame, with missing values). Its bits
    are the concatenation of

    1. a **record code** (:class:`encoders.RecordEncoder` with ``quantization="quantile"``) of
       ``record_share * dim`` bits: the majority over the present columns of ``key[column]
       XOR value``, a numeric value being one of ``n_levels`` level hypervectors at the
       column's quantiles (equal-mass levels: scale-free and robust to outliers), a
       categorical value a random ID hypervector; a missing value or an unseen category is
       left out of the majority;
    2. a **random Fourier feature code** (:class:`encoders.TableRFFEncoder`) of the other
       bits: binarised RFF of the numeric columns clipped to their 1st-99th percentiles and
       scaled by that range, plus a random Gaussian vector per category, with the RBF width
       from nearest-neighbour distances in that scaled space.

    The Hamming similarity of two concatenations is the sum of the similarities of their
    halves, so a linear classifier on them works with the sum of the two kernels. Neither
    code wins everywhere: the record code, which sees each column through its own quantiles,
    suits columns of different units and outliers; the RFF code, a distance in the scaled
    space, suits many similar columns such as pixels. Their sum is the most even over the
    tabular development suite (docs/tabular.md has the ablation).

    Parameters
    ----------
    dim : int, default=10000
        Number of bits; rounded up to a multiple of 64 (``dim_``), at least 128.
    categorical : "auto", boolean mask or list of column indices or names, default="auto"
        The categorical columns, as in :class:`encoders.RecordEncoder`.
    n_levels : int, default=32
        Quantile levels of the record code's numeric columns.
    record_share : float in (0, 1), default=0.5
        Share of the bits that the record code gets (rounded to whole 64-bit words).
    batch_size : int, default=1024
        Rows encoded at a time.
    verbose : bool or int >= 0, default=False
        Show a tqdm progress bar over the batches.
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of both codes and of the sampled rows.

    Attributes
    ----------
    dim_, n_features_in_, feature_names_in_, categorical_, vocabularies_ :
        As in :class:`encoders.RecordEncoder`.
    record_ : RecordEncoder
        The fitted record code: bits ``0 .. record_.dim_ - 1``.
    rff_ : TableRFFEncoder
        The fitted RFF code: the bits after them.

    Notes
    -----
    Quantiles and percentiles are measured on all the rows up to 2,000,000 cells (at least
    10,000 rows), on rows sampled by ``random_state`` beyond (the RBF width on 1,000 of them),
    kinds and vocabularies on all the rows, so that fitting on a Dask collection
    (:func:`hdc.distributed.fit_dask`) gives the same encoder bit for bit.

    Thread-safety: ``fit`` / ``partial_fit`` change the estimator and must not run while another
    thread uses it; a fitted estimator's ``transform`` only reads it and may be called from any
    number of threads at once.

    Examples
    --------
    >>> import numpy as np
    >>> from encoders import TableEncoder
    >>> X = np.array([[5.1, "setosa", 1.0], [6.3, None, np.nan], [7.7, "virginica", 2.0]],
    ...              dtype=object)
    >>> enc = TableEncoder(dim=1024, random_state=0).fit(X)
    >>> H = enc.transform(X)
    >>> H.shape, enc.record_.dim_ + enc.rff_.dim_ == enc.dim_
    ((3, 16), True)
    """

    def __init__(
        self,
        dim: int = 10000,
        *,
        categorical: Any = "auto",
        n_levels: int = 32,
        record_share: float = 0.5,
        batch_size: int = 1024,
        verbose: bool = False,
        random_state: Any = None,
    ) -> None:
        self.dim = dim
        self.categorical = categorical
        self.n_levels = n_levels
        self.record_share = record_share
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state

    _parameter_rules = {
        "categorical": ColumnSelection(),
        "n_levels": Integer(1),
        "record_share": Real(0, 1, low_open=True, high_open=True),
        **SHARED_RULES,
    }

    def _resolve_dim(self) -> int:
        return max(2 * WORD_BITS, super()._resolve_dim())

    def _fit_table(self, columns: TableColumns, statistics: TableStatistics,
                   rng: np.random.Generator) -> None:
        words = self.dim_ // WORD_BITS
        record_words = min(words - 1, max(1, int(np.floor(words * float(self.record_share)))))
        seeds = [int(rng.integers(2**31 - 1)) for _ in range(2)]
        common = dict(categorical=columns.categorical, batch_size=self.batch_size)
        self.record_ = RecordEncoder(dim=record_words * WORD_BITS, n_levels=self.n_levels,
                                     quantization="quantile", random_state=seeds[0], **common)
        self.rff_ = TableRFFEncoder(dim=(words - record_words) * WORD_BITS,
                                    random_state=seeds[1], **common)
        for half, seed in zip((self.record_, self.rff_), seeds, strict=True):
            half._fit_layout(columns, statistics, check_random_state(seed))

    def _encode_parts(self, numeric: np.ndarray, codes: np.ndarray, out: np.ndarray) -> None:
        split = self.record_.dim_ // WORD_BITS
        for half, part in ((self.record_, slice(0, split)), (self.rff_, slice(split, None))):
            block = np.empty((out.shape[0], half.dim_ // WORD_BITS), dtype=np.uint64)
            half._encode_parts(numeric, codes, block)
            out[:, part] = block
