"""Web page and REST API."""
