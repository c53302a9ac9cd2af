"""Production telemetry: the event model, batch and file ingest, and the SDK."""

from aivitals.telemetry._files import FILE_FORMATS, FileIngestResult, ingest_file
from aivitals.telemetry._ingest import MAX_BATCH_ITEMS, IngestResult, ItemResult, ingest_batch
from aivitals.telemetry._model import EVENT_TYPES, MAX_FUTURE, Interaction, SessionEvent
from aivitals.telemetry._sdk import (
    Client,
    ClientStats,
    HttpSink,
    Sink,
    SinkRejected,
    StoreSink,
    Tracker,
    configure,
    get_client,
    log_event,
    log_interaction,
    track,
)

__all__ = [
    "EVENT_TYPES",
    "FILE_FORMATS",
    "MAX_BATCH_ITEMS",
    "MAX_FUTURE",
    "Client",
    "ClientStats",
    "FileIngestResult",
    "HttpSink",
    "IngestResult",
    "Interaction",
    "ItemResult",
    "SessionEvent",
    "Sink",
    "SinkRejected",
    "StoreSink",
    "Tracker",
    "configure",
    "get_client",
    "ingest_batch",
    "ingest_file",
    "log_event",
    "log_interaction",
    "track",
]
