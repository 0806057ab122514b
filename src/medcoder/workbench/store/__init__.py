"""The workbench store: SQLAlchemy 2 models (``models``) and engines (``db``)."""
