from pydantic import Field

from .base import Section


class WebConfig(Section):
    enabled: bool = Field(default=True, description="Serve the web page and REST API.")
    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8080, ge=0, le=65535, description="Port to listen on (0: any free).")
