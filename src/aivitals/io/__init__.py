"""Reading datasets from files (JSONL, JSON, CSV, Parquet, YAML)."""

from aivitals.io._datasets import FieldMapping, load_dataset
from aivitals.io._readers import FORMATS, detect_format
from aivitals.io._yaml import line_of, parse_yaml, read_config, validation_problems

__all__ = [
    "FORMATS",
    "FieldMapping",
    "detect_format",
    "line_of",
    "load_dataset",
    "parse_yaml",
    "read_config",
    "validation_problems",
]
