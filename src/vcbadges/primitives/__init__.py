"""Hazardous materials: keys, encodings and raw signatures.

These modules are the sharp layer under vcbadges. They do exactly what they are asked and no
more: they do not check who a key belongs to or whether a document is valid. Use the top-level
``vcbadges.issue``, ``vcbadges.verify`` and ``vcbadges.present`` unless you know why not.
"""
