"""Reading datasets from files (JSONL, JSON, CSV, Parquet, YAML)."""

from aivitals.io._datasets import FieldMapping, load_dataset
from aivitals.io._readers import FORMATS, detect_format
from aivitals.io._yaml import parse_yaml

__all__ = ["FORMATS", "FieldMapping", "detect_format", "load_dataset", "parse_yaml"]
