"""Public names of a package that load on first use (PEP 562 module ``__getattr__``).

A package lists each public name with the submodule that defines it and calls :func:`attach`,
which returns the package's ``__getattr__`` and ``__dir__``. Importing the package then loads
none of its submodules, hence neither numba and the compiled kernels, nor scikit-learn, nor
scipy; ``hdc.bundle`` or ``from hdc import HDClassifier`` imports the defining submodule when
the name is first used and binds the name on the package, so later uses cost a plain attribute
lookup. ``dir(package)`` (and so tab completion) lists every public name from the start.

A function named like its own module (``similarity`` in ``hdc/similarity.py``) needs one more
step: importing that submodule makes the import system bind the *module* to the package's
attribute, which would hide the function. Such a package gets a module type that refuses
exactly that binding.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Mapping, Sequence


class _GuardedPackage(types.ModuleType):
    """A package whose functions named like their submodule stay bound when it is imported."""

    def __setattr__(self, name: str, value: object) -> None:
        shadowed = self.__dict__.get("_lazy_shadowed", ())
        if name in shadowed and value is sys.modules.get(f"{self.__name__}.{name}"):
            return
        super().__setattr__(name, value)


def attach(
    package: str, exports: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Return ``__getattr__`` and ``__dir__`` for ``package``, whose names load on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``; it must be in ``sys.modules`` (call this from its
        ``__init__``).
    exports : mapping of str to sequence of str
        Submodule name (relative to the package) -> the public names it defines.

    Returns
    -------
    __getattr__, __dir__ : callables
        To assign to the package's module-level names of the same names.

    Examples
    --------
    In a package's ``__init__.py``::

        __getattr__, __dir__ = attach(__name__, {"ops": ["bind", "permute"]})
    """
    module_of = {name: module for module, names in exports.items() for name in names}
    package_module = sys.modules[package]
    shadowed = frozenset(name for name, module in module_of.items() if name == module)
    if shadowed:
        package_module.__class__ = _GuardedPackage
        package_module.__dict__["_lazy_shadowed"] = shadowed

    def __getattr__(name: str) -> object:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        package_module.__dict__[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(package_module.__dict__) | set(module_of))

    return __getattr__, __dir__
