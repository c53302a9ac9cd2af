"""The toy support bot, instrumented with the OpenTelemetry SDK (OTLP/HTTP).

Needs the OpenTelemetry SDK and OTLP/HTTP exporter (not aivitals
dependencies)::

    pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http

Then point it at ``vitals serve`` (``/v1/traces`` and ``/v1/logs``)::

    python examples/toy_app/otel_app.py --url http://127.0.0.1:8765 --key KEY --sessions 60

Each bot turn is a GenAI ``chat`` span (``gen_ai.*`` attributes, the
conversation id, the messages and token counts); each turn's outcome is a
``gen_ai.evaluation.result`` event named ``resolved``, which aivitals stores
as a score of that interaction. OTLP carries no CSAT or escalation events:
log those with the SDK (``sdk_app.py``) or ``POST /api/v1/ingest``.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid

from bot import QUESTIONS, VERSION, answer, sessions
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, set_span_in_context


def _messages(role: str, text: str) -> str:
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": text}]}])


def main(argv: list[str] | None = None) -> int:
    """Export ``--sessions`` conversations as spans and evaluation events."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL of `vitals serve`")
    parser.add_argument("--key", help="API key of the server")
    parser.add_argument("--sessions", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    base = args.url.rstrip("/")
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    resource = Resource.create({"service.name": "toy-support-bot", "service.version": VERSION})
    tracing = TracerProvider(resource=resource)
    tracing.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{base}/v1/traces", headers=headers))
    )
    logging = LoggerProvider(resource=resource)
    logging.add_log_record_processor(
        BatchLogRecordProcessor(OTLPLogExporter(endpoint=f"{base}/v1/logs", headers=headers))
    )
    tracer, evals = tracing.get_tracer("toy_app"), logging.get_logger("toy_app.evals")

    run_id = uuid.uuid4().hex[:8]
    turns: list[tuple[Span, bool]] = []
    for s in sessions(args.sessions, args.seed):
        question = QUESTIONS[s.intent]
        with tracer.start_as_current_span(f"chat {VERSION}", kind=SpanKind.CLIENT) as span:
            reply = answer(question)
            span.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "toy",
                    "gen_ai.request.model": VERSION,
                    "gen_ai.conversation.id": f"otel-{run_id}-{s.index:04d}",
                    "gen_ai.input.messages": _messages("user", question),
                    "gen_ai.output.messages": _messages("assistant", reply),
                    "gen_ai.usage.input_tokens": len(question.split()),
                    "gen_ai.usage.output_tokens": len(reply.split()),
                    # Slices: aivitals.tag.NAME becomes tags[NAME] on the interaction.
                    "aivitals.tag.segment": s.segment,
                    "aivitals.tag.channel": s.channel,
                }
            )
        turns.append((span, s.resolved))
    # Order does not matter to the server (an evaluation that arrives before
    # its span is parked until the span is stored); flushing first keeps the
    # printed counts simple.
    ok = tracing.force_flush(30_000)
    for span, resolved in turns:
        evals.emit(
            event_name="gen_ai.evaluation.result",
            context=set_span_in_context(span),
            attributes={
                "gen_ai.evaluation.name": "resolved",
                "gen_ai.evaluation.score.value": 1.0 if resolved else 0.0,
                "gen_ai.evaluation.score.label": "pass" if resolved else "fail",
            },
        )
    ok = logging.force_flush(30_000) and ok
    tracing.shutdown()
    logging.shutdown()
    print(f"exported {args.sessions} spans and {args.sessions} evaluation events")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
