"""Settings from environment variables, and the ivschat client made on first use."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:  # the stubs (boto3-stubs[ivschat]) type every call; nothing needs them to run
    from mypy_boto3_ivschat import IvschatClient


@dataclass(frozen=True)
class Settings:
    region: str
    chat_log_bucket: str | None  # S3 bucket for chat logs, or...
    chat_log_group: str | None  # ...a CloudWatch Logs group (the bucket wins if both are set)
    review_lambda_arn: str | None  # the Lambda that reviews every message, if any
    session_minutes: int  # how long a chat session lasts before the client needs a new token

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            region=os.environ.get("AWS_REGION") or os.environ["AWS_DEFAULT_REGION"],
            chat_log_bucket=os.environ.get("CHAT_LOG_BUCKET"),
            chat_log_group=os.environ.get("CHAT_LOG_GROUP"),
            review_lambda_arn=os.environ.get("REVIEW_LAMBDA_ARN"),
            session_minutes=int(os.environ.get("CHAT_SESSION_MINUTES", "60")),
        )


@functools.cache
def ivschat() -> IvschatClient:
    """The process's ivschat client, made on first use (importing this module stays cheap)."""
    client: IvschatClient = boto3.client("ivschat", region_name=Settings.from_env().region)
    return client
