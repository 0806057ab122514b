"""medcoder: medical coding with a human coder in control."""

__version__ = "0.1.0"
