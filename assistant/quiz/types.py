"""The quiz data types: items, build requests and results, sessions, attempts and their statistics."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.chinese import match_key
from assistant.types import clause_key


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


QuestionType = Literal["single", "multi", "tf", "blank"]
QUESTION_TYPES: tuple[QuestionType, ...] = ("single", "multi", "tf", "blank")
TYPE_LABELS: dict[QuestionType, str] = {"single": "单选题", "multi": "多选题", "tf": "判断题", "blank": "填空题"}

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")
DIFFICULTY_LABELS: dict[Difficulty, str] = {"easy": "简单", "medium": "中等", "hard": "困难"}

ItemStatus = Literal["draft", "approved", "rejected"]
STATUS_LABELS: dict[ItemStatus, str] = {"draft": "待审核", "approved": "已通过", "rejected": "已驳回"}

ItemOrigin = Literal["offline", "llm", "manual", "import"]
GeneratorChoice = Literal["auto", "offline", "llm"]

TermKind = Literal[
    "year", "number", "province", "city", "institution", "measure", "slogan", "item", "phrase", "provision"
]
NAMED_KINDS: tuple[TermKind, ...] = ("year", "number", "province", "city", "institution", "measure", "slogan")
"""The kinds of named terms (not list items or phrases) a question may ask."""
KIND_LABELS: dict[TermKind, str] = {
    "year": "年份",
    "number": "数字",
    "province": "省区市",
    "city": "城市",
    "institution": "机构",
    "measure": "举措",
    "slogan": "提法",
    "item": "列举项",
    "phrase": "短语",
    "provision": "条文列举项",
}

TRUE, FALSE = "正确", "错误"
TF_OPTIONS = [TRUE, FALSE]
BLANK = "____"
"""The blank in a stem: where the answer of a fill-in or choice item stands in the source."""

_STEM_REFERENCE = re.compile(r"^(《[^》]{1,60}》.{0,60}?(?:提出|规定)|《[^》]{1,40}》[^：:]{0,40})[：:]")
LISTED_SINGLE = "（原文列举的是下列哪一项？）"
LISTED_MULTI = "（原文列举的是下列哪些项？）"
"""Appended to a stem whose blank stands in a list ending in 等: only "which is listed" has one right answer."""


def split_stem(stem: str) -> tuple[str, str]:
    """(reference, body): 《指导意见》三、（八）…提出 and what follows the colon; ('', stem) without a reference."""
    match = _STEM_REFERENCE.match(stem)
    return (match.group(1), stem[match.end() :]) if match else ("", stem)


def stem_key(item: QuizItem) -> str:
    """An item's question as asked, whatever its type, options or id: the normalised stem body.

    A 填空 and a 单选 on the same blank are one question asked twice."""
    body = split_stem(item.stem)[1]
    for suffix in (LISTED_SINGLE, LISTED_MULTI):
        body = body.removesuffix(suffix)
    return match_key(re.sub(r"（提示：[^）]*）$", "", body))


LETTERS = "ABCDEF"
MAX_OPTIONS = len(LETTERS)


class Swap(Model):
    """A false true/false statement: one term of the source replaced by a same-kind term from elsewhere."""

    original: str = Field(description="The term as the source has it.")
    replacement: str = Field(description="The term the statement uses instead.")


class QuizItem(Model):
    """One question, tied to its source clause and the exact words there that support the answer."""

    id: str = Field("", description="Stable identity; derived from the content when left empty.")
    type: QuestionType
    stem: str = Field(description="What the trainee reads; fill-in and choice stems may hold a blank (____).")
    options: list[str] = Field(
        default_factory=list, description="Choices (single, multi), 正确/错误 (tf), none (blank)."
    )
    answer: list[str] = Field(description="single/tf: one option; multi: every right option; blank: the missing words.")
    accepted: list[str] = Field(
        default_factory=list,
        description="Other fill-in answers the text supports (an abbreviation or the name without its prefix).",
    )
    doc_id: str
    clause: str = Field(description="The source clause's name, e.g. 十七.")
    label: str = Field(description="Human citation of the source clause.")
    answer_span: str = Field(description="Words quoted verbatim from the clause that support the answer.")
    span_start: int | None = Field(None, description="Offset of the answer span in the clause text, once verified.")
    span_end: int | None = Field(None, description="End offset of the answer span in the clause text.")
    explanation: str = ""
    kind: TermKind | None = Field(None, description="The kind of term the answer and options are.")
    swap: Swap | None = Field(None, description="For a false true/false statement: which term was replaced.")
    difficulty: Difficulty = "medium"
    origin: ItemOrigin = "offline"
    status: ItemStatus = "draft"
    author: str = ""
    created_at: str | None = Field(None, description="When the bank first stored the item (ISO 8601, UTC).")

    @model_validator(mode="after")
    def _canonical(self) -> QuizItem:
        if self.type in ("single", "multi"):
            # Right options in option order, so an item reads back from any format unchanged.
            self.answer = [o for o in self.options if o in self.answer] + [
                a for a in self.answer if a not in self.options
            ]
        if not self.id:
            self.id = content_id(self)
        return self

    @property
    def key(self) -> str:
        return clause_key(self.doc_id, self.clause)

    @property
    def right_options(self) -> list[str]:
        return [o for o in self.options if o in self.answer]

    def is_correct(self, response: list[str]) -> bool:
        """All-or-nothing: the exact set of right options, or the missing words (normalised) for a blank."""
        if self.type == "blank":
            given = [_blank_key(r) for r in response if r.strip()]
            if len(self.answer) == 1 and len(given) == 1:
                return given[0] in {_blank_key(a) for a in [*self.answer, *self.accepted]}
            return len(given) == len(self.answer) and given == [_blank_key(a) for a in self.answer]
        return sorted(set(response)) == sorted(set(self.answer))


_BLANK_NOISE = re.compile(r"[\"'“”‘’。，,；;、\s]")


def _blank_key(text: str) -> str:
    return _BLANK_NOISE.sub("", match_key(text))


def content_id(item: QuizItem) -> str:
    payload = json.dumps(
        [item.doc_id, item.clause, item.type, item.stem, item.options, item.answer], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


# --- building ------------------------------------------------------------


class BuildRequest(Model):
    """What a trainer asks for: a scope, how many questions of which types, how hard, and the seed."""

    scope: str = Field("", description="Empty for whole documents; parts (二) or clauses (十七,十八).")
    doc_ids: list[str] = Field(default_factory=list, description="Documents to draw from; empty means all.")
    n: int = Field(20, ge=1, le=200, description="Number of questions.")
    types: list[QuestionType] = Field(default_factory=lambda: list(QUESTION_TYPES), min_length=1)
    difficulty: Difficulty = "medium"
    seed: int | None = Field(None, description="Same seed, same quiz; None picks one and reports it.")
    generator: GeneratorChoice = Field("auto", description="auto uses the LLM when one is configured.")
    author: str = ""


GATE_LABELS: dict[str, str] = {
    "invalid": "大模型输出格式不合格",
    "source": "答案未能在原文出处中逐字核实",
    "metadata": "题目取自文件的元数据（日期、通过和公布信息）",
    "corrupt": "答案或选项是原文校对标记的词语（分页断字、错字）",
    "formula": "空格或改写落在固定政治提法之内",
    "political": "政治性表述处的空格配了其他领域的干扰项",
    "field": "干扰项与答案只是词尾相同，不属同一领域",
    "fragment": "答案或选项不是完整词语，或空格切断了词语",
    "truncated": "题干被截断（缺少主语、条件或谓语），或依赖未引用的上下文（前款、该、下列等）",
    "distractors": "干扰项在同一条款中同样成立",
    "elsewhere": "干扰项在文件其他位置同样成立",
    "synonym": "干扰项与答案是近义说法",
    "listed": "以“等”结尾的列举未按“原文列举”提问",
    "edit": "判断题的改写不是合理的改动（地点、数字、年份、义务）",
    "range": "数额或期限的上下限颠倒（如“20万元以上10万元以下”），错误一望即知",
    "numeric": "数字题的答案可由同句另一个数字或常识换算推出，或改动后的数字违背常识",
    "options": "选项重复、数量不对或不同类",
    "giveaway": "题干泄露了答案",
    "open": "填空题干缺少定位答案的语境，可填的答案很多",
    "duplicates": "与其他题目重复或过于相近",
    "same_sentence": "与同一试卷中另一道题出自同一句话",
    "cross_answer": "选项是同一试卷中另一道题的答案，两题互相泄露",
    "balance": "判断题正误各占一半，多出的一方未选用",
    "trivia": "施行日期、废止年份一类的题目已达每卷上限",
    "clause_cap": "同一条款的题目已达每卷上限，改用其他条款",
    "cue": "判断题里“可以”“应当”等词在正确与错误陈述中出现次数不等，多出的未选用",
}
GATES: tuple[str, ...] = tuple(GATE_LABELS)


class GateReport(Model):
    """How many candidates each quality gate removed; an item is counted at the first gate it fails."""

    candidates: int = 0
    removed: dict[str, int] = Field(default_factory=lambda: dict.fromkeys(GATES, 0))
    passed: int = 0
    selected: int = 0


class Rejected(Model):
    """A candidate a gate removed, kept so a trainer can review what was thrown away and why."""

    gate: str
    reason: str = Field(description="The gate's Chinese label.")
    item: QuizItem


class BuildResult(Model):
    request: BuildRequest
    seed: int
    generator: Literal["offline", "llm"]
    scope: str = Field(description="The resolved scope, in Chinese.")
    clauses: list[str] = Field(description="Keys (doc#clause) of the clauses in scope.")
    items: list[QuizItem]
    report: GateReport
    notices: list[str] = Field(default_factory=list, description="Chinese, for the trainer.")
    rejected: list[Rejected] = Field(default_factory=list, description="Candidates the gates removed, for review.")
    already_in_bank: int = Field(0, description="Items left out because the bank already holds their stem.")

    def counts(self) -> dict[QuestionType, int]:
        return {t: sum(1 for i in self.items if i.type == t) for t in QUESTION_TYPES}


class QuizSet(Model):
    """A file of items, as exported to and imported from JSON."""

    title: str = "政策学习测验"
    exported_at: str | None = None
    items: list[QuizItem]


# --- sessions and attempts ---------------------------------------------------


SessionMode = Literal["exam", "practice"]
MODE_LABELS: dict[SessionMode, str] = {"exam": "考试", "practice": "练习"}


class QuizSession(Model):
    id: str
    title: str
    item_ids: list[str]
    time_limit_minutes: int | None = Field(None, ge=1, le=600)
    author: str = ""
    created_at: str
    mode: SessionMode = Field(
        "practice",
        description="exam: no hints, answers only after 交卷; practice: hints (a hinted answer earns no marks "
        "unless the scoring says so) and an explanation after each item.",
    )
    max_attempts: int | None = Field(None, ge=1, le=100, description="Attempts per learner; None for no limit.")
    opens_at: str | None = Field(None, description="ISO 8601 UTC; attempts may not start before.")
    closes_at: str | None = Field(None, description="ISO 8601 UTC; attempts may not start after.")
    shuffle_options: bool = Field(True, description="Each learner sees the options in an order of their own.")
    scoring: dict[str, object] = Field(
        default_factory=dict, description="Overrides of the default ScoringRules (assistant/quiz/scoring.py)."
    )

    @property
    def hints_allowed(self) -> bool:
        return self.mode == "practice"


class Response(Model):
    item_id: str
    position: int
    response: list[str]
    correct: bool
    hinted: bool = False
    answered_at: str | None = None


class Attempt(Model):
    id: str
    session_id: str
    trainee: str
    started_at: str
    finished_at: str | None = None
    responses: list[Response] = Field(default_factory=list)
    hinted: list[str] = Field(default_factory=list, description="Items whose hint was opened before answering.")
    total: int

    @property
    def score(self) -> int:
        return sum(1 for r in self.responses if r.correct)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.total if self.total else 0.0


class QuestionStat(Model):
    position: int
    item_id: str
    type: QuestionType
    stem: str
    label: str
    answered: int
    correct: int
    hinted: int

    @property
    def rate(self) -> float | None:
        return self.correct / self.answered if self.answered else None


class ClauseStat(Model):
    key: str
    label: str
    questions: int
    answered: int
    correct: int

    @property
    def rate(self) -> float | None:
        return self.correct / self.answered if self.answered else None


class SessionResults(Model):
    session: QuizSession
    attempts: list[Attempt]
    distribution: dict[str, int] = Field(description="Finished attempts per score band (percent).")
    questions: list[QuestionStat]
    clauses: list[ClauseStat]
    percents: dict[str, float] = Field(
        default_factory=dict, description="Attempt id → percent of the session's marks under its scoring rules."
    )

    @property
    def finished(self) -> list[Attempt]:
        return [a for a in self.attempts if a.finished_at]

    @property
    def mean_percent(self) -> float | None:
        done = self.finished
        return sum(self.percents.get(a.id, a.percent) for a in done) / len(done) if done else None
