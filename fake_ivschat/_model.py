"""botocore's service model for ivschat, loaded once; the only module touching botocore.model."""

from __future__ import annotations

import functools
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

SERVICE_NAME = "ivschat"

__all__ = [
    "SERVICE_NAME",
    "ListShape",
    "MapShape",
    "OperationModel",
    "ServiceModel",
    "Shape",
    "StructureShape",
]


@functools.cache
def botocore_session() -> Any:
    """A private botocore session: its loader caches the parsed model for every client we make."""
    return botocore.session.get_session()


@functools.cache
def service_model() -> ServiceModel:
    model: ServiceModel = botocore_session().get_service_model(SERVICE_NAME)
    return model


@functools.cache
def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def operation_names() -> list[str]:
    return list(service_model().operation_names)


@functools.cache
def error_shapes() -> dict[str, StructureShape]:
    """Every modelled error shape by its code, e.g. ``"ValidationException"``."""
    return {shape.name: shape for shape in service_model().error_shapes}


@functools.cache
def errors_of(operation_name: str) -> frozenset[str]:
    return frozenset(shape.name for shape in operation(operation_name).error_shapes)


def http_status_of(error_code: str) -> int:
    status: int = error_shapes()[error_code].metadata["error"]["httpStatusCode"]
    return status
