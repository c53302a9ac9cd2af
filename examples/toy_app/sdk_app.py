"""The toy support bot, instrumented with the aivitals SDK.

Start a server and run the app against it (or write to a store directly)::

    vitals serve --store toy.duckdb --create-key toy     # prints KEY once
    vitals serve --store toy.duckdb --port 8765 &
    python examples/toy_app/sdk_app.py --url http://127.0.0.1:8765 --key KEY --sessions 60
    python examples/toy_app/sdk_app.py --store toy.duckdb --sessions 60   # no server

Every turn is one interaction tagged with the user's ``segment`` and
``channel``; every session ends with ``task_completed`` or ``escalated``,
and every other one with a CSAT rating (1-5).
"""

from __future__ import annotations

import argparse
import sys
import uuid

from bot import QUESTIONS, VERSION, answer, sessions

import aivitals


def run(n_sessions: int, seed: int) -> tuple[int, int]:
    """Play ``n_sessions`` conversations; return (interactions, events) logged."""
    run_id = uuid.uuid4().hex[:8]  # a fresh session id per run; the content is fixed
    interactions = events = 0
    for s in sessions(n_sessions, seed):
        session_id = f"toy-{run_id}-{s.index:04d}"
        common = {"session_id": session_id, "tags": {"segment": s.segment, "channel": s.channel}}
        question = QUESTIONS[s.intent]
        # One bot turn: `track` times the block and records input, output and errors.
        with aivitals.track(question, turn=0, system_version=VERSION, **common) as call:
            call.output = answer(question)
        interactions += 1
        if not s.resolved:
            # The handoff message is canned, not generated: log it as it is.
            aivitals.log_interaction(
                "[handoff]",
                "A colleague will reply shortly.",
                turn=1,
                system_version=VERSION,
                **common,
            )
            interactions += 1
        outcome = "task_completed" if s.resolved else "escalated"
        aivitals.log_event(outcome, session_id=session_id)
        events += 1
        if s.csat is not None:
            aivitals.log_event("csat", s.csat, session_id=session_id)
            events += 1
    return interactions, events


def main(argv: list[str] | None = None) -> int:
    """Run the app; exit 1 unless every item was delivered."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="base URL of `vitals serve`")
    target.add_argument("--store", help="path of a local store (no server)")
    parser.add_argument("--key", help="API key for --url ($VITALS_API_KEY by default)")
    parser.add_argument("--sessions", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    client = aivitals.configure(url=args.url, api_key=args.key, store=args.store)
    interactions, events = run(args.sessions, args.seed)
    client.flush(timeout=30)
    stats = client.stats
    print(
        f"sent {interactions} interactions and {events} events for {args.sessions} sessions "
        f"(delivered {stats.sent}, rejected {stats.rejected}, dropped {stats.dropped})"
    )
    client.close()
    return 0 if stats.sent == interactions + events else 1


if __name__ == "__main__":
    sys.exit(main())
