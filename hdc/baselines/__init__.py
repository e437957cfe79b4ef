"""Strong non-HDC baselines with the scikit-learn API, peers of :class:`hdc.HDClassifier`.

- :class:`GLNClassifier`, :class:`GLNRegressor`: Gated Linear Networks (Veness et al.; the
  Gaussian GLN of Budden et al. for regression), online and backprop-free.
- :class:`KernelMachineClassifier`: scikit-learn's SVC with RBF, linear or Hamming kernels
  (the Hamming Gram matrix of packed hypervectors comes from the core's popcount kernel).

The names load on first use, like those of :mod:`hdc`.
"""

from typing import TYPE_CHECKING

from hdc._lazy import attach

_EXPORTS = {
    "gln": ["GLNClassifier", "GLNRegressor"],
    "kernel_machine": ["KernelMachineClassifier", "hamming_kernel"],
}
__getattr__, __dir__ = attach(__name__, _EXPORTS)

if TYPE_CHECKING:
    from hdc.baselines.gln import GLNClassifier, GLNRegressor
    from hdc.baselines.kernel_machine import KernelMachineClassifier, hamming_kernel

__all__ = ["GLNClassifier", "GLNRegressor", "KernelMachineClassifier", "hamming_kernel"]
