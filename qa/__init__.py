"""qa: answers questions over a folder of news articles, citing the exact passages."""

__version__ = "0.1.0"
