"""The service layer: the rules behind the API, shared later by the web pages and the CLI."""
