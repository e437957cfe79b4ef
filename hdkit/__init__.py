"""hdkit's application layer: the ``hdkit`` command, side-by-side comparisons, dataset loaders.

- :mod:`hdkit.cli`: the ``hdkit`` console command (``python -m hdkit`` runs it too), with the
  machinery its subcommands share in :mod:`hdkit._command`;
- :mod:`hdkit.compare`: HDC, a kernel machine and a GLN on one dataset and one split;
- :mod:`hdkit.datasets`: loaders of the real datasets used by the examples and benchmarks, and
  where they are looked for.

It sits on top of the libraries (``hdc``, ``encoders``, ``vision``) and may import from all of
them; nothing in them imports ``hdkit``. Importing this package loads none of them: each
module imports what it needs.
"""
