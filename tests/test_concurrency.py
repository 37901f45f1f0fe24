"""Several users asking at once share one assistant (as Streamlit's cache_resource does)."""

from concurrent.futures import ThreadPoolExecutor

QUESTIONS = [
    "西部地区养老服务有哪些安排？",
    "河长制有什么要求？",
    "支持哪些城市加快建设国际门户枢纽城市？",
    "西部地区鼓励类产业企业所得税优惠税率是多少？",
    "国家对西部地区的医疗有什么支持？",
    "到2035年西部地区要达到什么目标？",
]


def test_concurrent_questions_get_the_same_answers_as_sequential_ones(directive_assistant):
    sequential = [directive_assistant.ask(q) for q in QUESTIONS]
    with ThreadPoolExecutor(max_workers=6) as pool:
        concurrent = list(pool.map(directive_assistant.ask, QUESTIONS * 3))
    for i, answer in enumerate(concurrent):
        expected = sequential[i % len(QUESTIONS)]
        assert answer.answer == expected.answer
        assert [(c.clause, c.quote, c.verified) for c in answer.citations] == [
            (c.clause, c.quote, c.verified) for c in expected.citations
        ]
        assert answer.refused == expected.refused
