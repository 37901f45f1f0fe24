"""The 评测 page served for real and driven through Debian's Chromium: an evaluator overrides a failed item's
verdict in the review queue, sees it recorded, and the review is stored with who and when."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from assistant.accounts import account_store
from assistant.evals.review import ReviewStore
from assistant.evals.runs import evaluate
from assistant.service import PolicyAssistant
from assistant.settings import Settings, load_settings
from tests.conftest import DIRECTIVE_CORPUS, REPO
from tests.test_ui_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    STEP_MS,
    Server,
    free_port,
    healthy,
    settled,
    sign_in,
)

pytestmark = pytest.mark.browser

SHOTS = REPO / "test-artifacts" / "browser"
# Gold and key fact belong to 河长制, the question to railways: the item fails and enters the review queue.
REVIEW_SET = [
    {
        "id": "x-rail",
        "question": "意见提出加快规划建设哪些重大铁路工程？",
        "gold_clauses": ["十六"],
        "key_facts": ["全面推进河长制、湖长制"],
        "type": "list",
    },
    {
        "id": "x-none",
        "question": "西部地区鼓励类产业企业所得税优惠税率是多少？",
        "answerable": False,
        "type": "unanswerable",
    },
]


def settings_in(data_dir: Path) -> Settings:
    os.environ["POLICY_ASSISTANT_DATA_DIR"] = str(data_dir)
    try:
        return load_settings()
    finally:
        del os.environ["POLICY_ASSISTANT_DATA_DIR"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, directive_assistant: PolicyAssistant) -> Iterator[Server]:
    """`streamlit run ui/app.py` over a copy of the session index holding one stored run and an evaluator."""
    root = tmp_path_factory.mktemp("evals-browser")
    data_dir = root / "data"
    shutil.copytree(directive_assistant.settings.data_dir, data_dir)
    settings = settings_in(data_dir)
    account_store(settings).add("zhao", PASSWORD, ("evaluator",), actor="test")
    dataset = root / "review.jsonl"
    dataset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in REVIEW_SET), "utf-8")
    evaluate(directive_assistant, dataset, "extractive", 5, store_settings=settings)
    settings_file = root / "policy-assistant.toml"
    settings_file.write_text("", "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_") and not k.startswith("CHROMA_")}
    env["POLICY_ASSISTANT_DATA_DIR"] = str(data_dir)
    env["POLICY_ASSISTANT_CORPUS_DIR"] = str(DIRECTIVE_CORPUS)
    env["POLICY_ASSISTANT_SETTINGS_FILE"] = str(settings_file)
    port = free_port()
    log_path = root / "streamlit.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                str(REPO / ".venv" / "bin" / "streamlit"),
                "run",
                "ui/app.py",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not healthy(url):
            assert process.poll() is None, f"streamlit exited:\n{log_path.read_text('utf-8', 'replace')}"
            assert time.monotonic() < deadline, f"streamlit not healthy after 90 s:\n{log_path.read_text('utf-8')}"
            time.sleep(0.5)
        yield Server(url, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(STEP_MS)
    yield context.new_page()
    context.close()


def test_evaluator_overrides_a_verdict_in_the_review_queue_and_sees_it_recorded(server: Server, page: Page):
    sign_in(page, server.url + "/evals", "zhao")
    expect(page.get_by_role("heading", name="总体指标")).to_be_visible()
    settled(page)

    page.get_by_role("tab", name="复核队列").click()
    queue = page.get_by_role("combobox", name="待复核题目")
    expect(queue).to_have_value("x-rail · 列举 · 未通过")
    page.get_by_text("改判为通过", exact=True).click()
    page.get_by_role("button", name="保存复核").click()

    expect(page.get_by_text("已记录复核：x-rail，改判为通过")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"^本题已复核：zhao，\d{4}-\d\d-\d\d \d\d:\d\d:\d\d，改判为通过$"))
    ).to_be_visible()
    settled(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "evals-review.png", full_page=True)

    store = ReviewStore(settings_in(server.data_dir))
    [review] = [r for runs in store.path.parent.glob("runs/*") for r in store.history(runs.name)]
    assert (review.item_id, review.reviewer, review.verdict) == ("x-rail", "zhao", "pass")
    assert review.created_at
