"""A Griffe extension for the API reference (mkdocs.yml): the docstrings of fake_ivschat name other
objects with Sphinx roles (:meth:`start`), which mkdocstrings would print as written; here each
becomes inline code (`start`)."""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:meth|class|func|attr|exc|data|mod|obj):`~?([^`]+)`")


class SphinxRoles(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(r"`\1`", obj.docstring.value)
