"""botocore's service model for ivschat, loaded once (the only module touching botocore.model),
and the hermetic botocore sessions and dummy credentials the fake's own clients are made with."""

from __future__ import annotations

import functools
import os
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.credentials import CredentialResolver
from botocore.loaders import Loader
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.tokens import TokenProviderChain

SERVICE_NAME = "ivschat"
# Static credentials for the clients the fake makes or routes, so botocore never looks for real
# ones (env, ~/.aws, credential_process, container or instance metadata).
DUMMY_CREDENTIALS = {
    "aws_access_key_id": "FAKEIVSCHATTESTING",
    "aws_secret_access_key": "fake-ivschat-testing-secret",
    "aws_session_token": "fake-ivschat-testing-session",
}


def dummy_credentials(given: dict[str, Any]) -> None:
    """Put :data:`DUMMY_CREDENTIALS` in ``create_client`` arguments that name no key (absent or
    None, as aioboto3 passes them), so that botocore looks none up."""
    if given.get("aws_access_key_id") is None and given.get("aws_secret_access_key") is None:
        for name, value in DUMMY_CREDENTIALS.items():
            if given.get(name) is None:
                given[name] = value


__all__ = [
    "DUMMY_CREDENTIALS",
    "SERVICE_NAME",
    "ListShape",
    "MapShape",
    "OperationModel",
    "ServiceModel",
    "Shape",
    "StructureShape",
    "dummy_credentials",
]


@functools.cache
def loader() -> Loader:
    """botocore's own data files only: never ``AWS_DATA_PATH``, ``~/.aws/models`` or a config
    file, so loading a model cannot fail because of the user's AWS setup (a bad profile, a
    malformed config file). One loader: it caches every model it parses."""
    return Loader(extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False)


def hermetic_session(session: Any = None, resolver: Any = None) -> Any:
    """A new botocore session that reads nothing of the user's: no environment variable, config
    or credentials file, profile or credential provider (every setting is botocore's default),
    so the clients it makes behave alike on every machine. They need explicit credentials.

    ``session`` and ``resolver``: a new session of another kind (aiobotocore's) to make hermetic
    instead, with an empty credential resolver of its kind."""
    session = session if session is not None else botocore.session.Session()
    session.register_component("data_loader", loader())
    for name, (_, _, default, convert) in list(session.session_var_map.items()):
        if name in ("config_file", "credentials_file"):
            default = os.devnull  # not a regular file: botocore reads it as "no file"
        elif name == "ignore_configured_endpoint_urls":
            default = True  # AWS_ENDPOINT_URL* would be read from os.environ directly
        session.session_var_map[name] = (None, None, default, convert)
    resolver = resolver if resolver is not None else CredentialResolver(providers=[])
    session.register_component("credential_provider", resolver)
    session.register_component("token_provider", TokenProviderChain(providers=[]))
    return session


@functools.cache
def botocore_session() -> Any:
    """The hermetic session every ``fake.client()`` is made from (made once: client creation
    reuses its parsed endpoint rules)."""
    return hermetic_session()


@functools.cache
def service_model() -> ServiceModel:
    return ServiceModel(loader().load_service_model(SERVICE_NAME, "service-2"), SERVICE_NAME)


@functools.cache
def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


@functools.cache
def method_name(operation_name: str) -> str:
    """The snake_case name of an operation's method: ``create_room``."""
    name: str = xform_name(operation_name)
    return name


def operation_names() -> list[str]:
    return list(service_model().operation_names)


@functools.cache
def input_members(operation_name: str) -> frozenset[str]:
    """The names of the members an operation's request may carry, e.g. ``"roomIdentifier"``."""
    shape = operation(operation_name).input_shape
    return frozenset(shape.members) if shape is not None else frozenset()


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
