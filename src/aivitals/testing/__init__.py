"""Testing utilities: a real OpenAI-compatible server with injectable faults."""

from aivitals.testing._openai_server import FakeOpenAIServer, ReceivedRequest, Reply, echo_answer

__all__ = ["FakeOpenAIServer", "ReceivedRequest", "Reply", "echo_answer"]
