"""Matching a person who asks for help with a peer recovery specialist.

The engine (``specs``, ``constraints``, ``features``, ``engine``, ``assignment``, ``explain``, ``geo``,
``weights``, ``contract``) is pure Python and NumPy/SciPy; only ``apps`` and ``management`` touch Django.
See docs/matching.md.
"""
