"""The hybrid searcher as a LangChain retriever (imported lazily: langchain_core is slow to import)."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.retrieve import HybridSearcher, SearchFilter


class PolicyRetriever(BaseRetriever):
    """The hybrid searcher as a LangChain retriever: Documents carry the clause metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: HybridSearcher
    k: int = 5
    where: SearchFilter | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        result = self.searcher.search(query, self.k, self.where)
        return [
            LCDocument(page_content=hit.text, metadata=hit.model_dump(exclude={"text"}), id=hit.key)
            for hit in result.hits
        ]
