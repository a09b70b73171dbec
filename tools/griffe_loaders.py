"""Griffe extension used by the documentation site (``mkdocs.yml``, API reference page).

Two things static analysis cannot do well for landplan, fixed at documentation build time
only (nothing in landplan is changed):

- ``landplan.io`` builds ``load_plan``, ``load_decisions``, ``load_projects`` and
  ``load_corridors`` with a factory (``load_plan = _loader(...)``), so static analysis sees
  module attributes without a signature or a docstring. Each is replaced by the function
  found by importing ``landplan.io``: its real signature and docstring.
- Some docstrings use Sphinx roles (a ``:func:`` role around ``check``), which Markdown
  would show literally; they are shown as inline code instead.
- A function's numpy ``Parameters`` entry that groups names on one line (``path, layer,
  crs``) gets, from Griffe, the signature's type and default of its *first* name for all of
  them; each name gets its own here.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

PACKAGE = "landplan"
MODULE = "io"
FACTORY = "_loader("
ROLE = re.compile(r":(?:func|meth|class|data|attr|mod|obj|exc):`~?([^`]+)`")
GROUPED = re.compile(r"^[ \t]*([A-Za-z_]\w*(?:, [A-Za-z_]\w*)+)[ \t]*$", re.MULTILINE)


class LandplanDocs(griffe.Extension):
    """Document the generated ``load_*`` functions; render Sphinx roles as code."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != PACKAGE:
            return
        _generated_loaders(pkg, loader)
        _plain_roles(pkg)
        _grouped_parameters(pkg)


def _generated_loaders(pkg: griffe.Module, loader: griffe.GriffeLoader) -> None:
    if MODULE not in pkg.members:
        return
    static = pkg.members[MODULE]
    names = [
        name
        for name, member in static.members.items()
        if not member.is_alias and member.is_attribute and str(member.value).startswith(FACTORY)
    ]
    if not names:
        return
    dynamic = griffe.inspect(
        f"{PACKAGE}.{MODULE}",
        docstring_parser=loader.docstring_parser,
        docstring_options=loader.docstring_options,
    )
    for name in names:
        static.set_member(name, dynamic.members[name])


def _plain_roles(obj: griffe.Object) -> None:
    if obj.docstring is not None:
        obj.docstring.value = ROLE.sub(r"`\1`", obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            _plain_roles(member)


def _grouped_parameters(obj: griffe.Object) -> None:
    for member in obj.members.values():
        if not member.is_alias:
            _grouped_parameters(member)
    if obj.docstring is None or not obj.is_function:
        return
    grouped = {name for line in GROUPED.findall(obj.docstring.value) for name in line.split(", ")}
    if not grouped:
        return
    signature = obj.parameters
    for section in obj.docstring.parsed:
        if section.kind is not griffe.DocstringSectionKind.parameters:
            continue
        for param in section.value:
            if param.name in grouped and param.name in signature:
                param.annotation = signature[param.name].annotation
                param.value = signature[param.name].default
