"""The assistant as a LangChain runnable, for LangChain users: invoke a question, get the verified Answer.

langchain_core is imported only when this is called (it adds about 1.6 s to start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.answer.condense import Exchange
from assistant.types import Answer, AnswerMode

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

    from assistant.service import PolicyAssistant


def as_runnable(assistant: PolicyAssistant, mode: AnswerMode | None = None) -> Runnable[Any, Answer]:
    """A runnable taking "问题" or {"question": …, "history": [Exchange…]} and returning the Answer."""
    from langchain_core.runnables import RunnableLambda

    def answer(value: str | dict[str, Any]) -> Answer:
        if isinstance(value, str):
            return assistant.ask(value, mode=mode)
        history = [h if isinstance(h, Exchange) else Exchange(**h) for h in value.get("history", [])]
        return assistant.ask(value["question"], history=history, mode=value.get("mode", mode))

    return RunnableLambda(answer, name="policy_assistant")
