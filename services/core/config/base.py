"""Base model of every config section: unknown keys are errors, not ignored typos."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)
