"""Strong non-HDC baselines with the scikit-learn API, peers of :class:`hdc.HDClassifier`.

- :class:`GLNClassifier`, :class:`GLNRegressor`: Gated Linear Networks (Veness et al.; the
  Gaussian GLN of Budden et al. for regression), online and backprop-free.
- :class:`KernelMachineClassifier`: scikit-learn's SVC with RBF, linear or Hamming kernels
  (the Hamming Gram matrix of packed hypervectors comes from the core's popcount kernel).
"""

from hdc.baselines.gln import GLNClassifier, GLNRegressor
from hdc.baselines.kernel_machine import KernelMachineClassifier, hamming_kernel

__all__ = ["GLNClassifier", "GLNRegressor", "KernelMachineClassifier", "hamming_kernel"]
