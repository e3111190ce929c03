"""Ingest a folder of articles: ``python ingest.py [FOLDER]`` (same as ``python -m qa ingest``)."""

import sys

from qa.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
