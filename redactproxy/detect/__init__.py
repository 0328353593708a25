"""Detection: find sensitive values in text.

``base`` holds the ``Finding`` record and the ``Detector`` protocol every detector follows;
``rules`` loads rule packs (TOML data), ``patterns`` runs them, ``nlp`` wraps Presidio NER.
"""

from redactproxy.detect.base import ACTIONS, Detector, Finding

__all__ = ["ACTIONS", "Detector", "Finding"]
