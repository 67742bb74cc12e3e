"""The base of the server's reply models: unknown members ignored, late members filled in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


# A reply body. Unknown members are ignored, so a laptop reads a newer server's replies; members
# the protocol added after a server release are named in `absent_members` with the value a
# laptop reads when an older server leaves them out. (Comments, not a docstring: pydantic would
# copy a docstring into the OpenAPI document.)
class Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    absent_members: ClassVar[Mapping[str, object]] = {}

    @model_validator(mode="before")
    @classmethod
    def _older_server(cls, data: Any) -> Any:
        if cls.absent_members and isinstance(data, dict):
            missing = {k: v for k, v in cls.absent_members.items() if k not in data}
            if missing:
                return {**missing, **data}
        return data
