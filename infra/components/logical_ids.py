"""Logical ids that do not depend on how the stack groups its resources.

CloudFormation identifies a resource by its logical id: a new id is a new resource, and the
old one is deleted. CDK derives the id from the construct path (`Data/Table/Resource` ->
`DataTableA1B2C3D4`), so moving the table into a component would replace it, and its data
with it. `flat_logical_id` computes the id from the path without the `Component` scopes:
the id the resource had when it sat directly in the stack. The algorithm is CDK's own
(`makeUniqueId` in aws-cdk-lib core/lib/private/uniqueid.ts, which CDK cannot change without
replacing every resource of every app); tests/infra/test_logical_ids.py checks the two agree
and pins the ids of every stateful resource.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

import aws_cdk as cdk

from infra.components import Component

HIDDEN_ID = "Default"
HIDDEN_FROM_HUMAN_ID = "Resource"
HASH_LENGTH = 8
MAX_HUMAN_LENGTH = 240
MAX_ID_LENGTH = 255


def make_unique_id(components: list[str]) -> str:
    """CDK's `makeUniqueId`: a path -> a CloudFormation logical id."""
    components = [c for c in components if c != HIDDEN_ID]
    if not components:
        raise ValueError("a logical id needs at least one path component")
    if len(components) == 1:
        candidate = _alphanumeric(components[0])
        if len(candidate) <= MAX_ID_LENGTH:
            return candidate
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()
    human = "".join(
        _alphanumeric(c) for c in _without_repeats(components) if c != HIDDEN_FROM_HUMAN_ID
    )
    return human[:MAX_HUMAN_LENGTH] + digest[:HASH_LENGTH].upper()


def flat_logical_id(element: cdk.CfnElement) -> str:
    """The logical id of `element` as if no `Component` stood between it and its stack."""
    scopes = element.node.scopes
    stack = cdk.Stack.of(element)
    below_stack = scopes[[s.node.path for s in scopes].index(stack.node.path) + 1 :]
    return make_unique_id([s.node.id for s in below_stack if not isinstance(s, Component)])


def check_unique(stack: cdk.Stack) -> None:
    """Two components may hold children of the same name; flattened, their ids would meet."""
    paths: dict[str, list[str]] = defaultdict(list)
    for child in stack.node.find_all():
        if isinstance(child, cdk.CfnElement):
            paths[stack.resolve(child.logical_id)].append(child.node.path)
    clashes = {logical_id: found for logical_id, found in paths.items() if len(found) > 1}
    if clashes:
        raise ValueError(f"logical ids used twice: {clashes}")


def _alphanumeric(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def _without_repeats(path: list[str]) -> list[str]:
    """CDK's `removeDupes`: a component that its predecessor ends with is dropped."""
    kept: list[str] = []
    for component in path:
        if not kept or not kept[-1].endswith(component):
            kept.append(component)
    return kept
