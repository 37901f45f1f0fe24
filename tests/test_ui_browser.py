"""The Streamlit app served for real and driven through Debian's Chromium: ask, read the source, give feedback."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from assistant.feedback import FeedbackStore
from assistant.service import PolicyAssistant
from tests.conftest import REPO

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SHOTS = REPO / "test-artifacts" / "browser"
# The README picture; copied to docs/screenshot-chat.png by hand (tests never write tracked files).
SCREENSHOT = SHOTS / "readme-chat.png"
ELDERLY = "西部地区在养老服务方面有哪些安排？"
ELDERLY_LABEL = "《指导意见》六、（二十五）健全养老服务体系"
VERIFIED = "已核实：引文与原文逐字一致"
# The first question loads the embedding model in the server process.
FIRST_ANSWER_MS = 90_000
STEP_MS = 30_000


class Server:
    def __init__(self, url: str, data_dir: Path):
        self.url = url
        self.data_dir = data_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, directive_assistant: PolicyAssistant) -> Iterator[Server]:
    """`streamlit run ui/app.py` on a free port, over a copy of the session index (feedback is written there)."""
    root = tmp_path_factory.mktemp("browser")
    data_dir = root / "data"
    shutil.copytree(directive_assistant.settings.data_dir, data_dir)
    # cwd is the repo root (Streamlit reads .streamlit/config.toml there); an empty settings file keeps a
    # developer's git-ignored policy-assistant.toml out of the test.
    settings_file = root / "policy-assistant.toml"
    settings_file.write_text("", "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_") and not k.startswith("CHROMA_")}
    env["POLICY_ASSISTANT_DATA_DIR"] = str(data_dir)
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
    """A new browser context, so a new Streamlit session with an empty conversation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(STEP_MS)
    yield context.new_page()
    context.close()


def settled(page: Page) -> None:
    """Wait for the script run to finish: no running indicator, no element greyed out as stale."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    expect(page.locator('[data-stale="true"]')).to_have_count(0)


def snap(page: Page, name: str) -> Path:
    settled(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=path)
    return path


def ask(page: Page, question: str) -> None:
    box = page.get_by_placeholder(re.compile("^请输入您的问题"))
    box.fill(question)
    box.press("Enter")


def source_card(page: Page, label: str):
    """The bordered container of one source card: its title, badge, highlighted clause and link."""
    return (
        page.get_by_test_id("stVerticalBlock")
        .filter(has=page.get_by_text(VERIFIED))
        .filter(has=page.get_by_role("link", name=re.compile("在原文中查看")))
        .filter(has_text=label)
        .filter(has_not=page.get_by_test_id("stChatMessage"))
        .last
    )


def test_question_source_and_feedback_end_to_end(server: Server, page: Page):
    page.goto(server.url)
    expect(page.get_by_text("可以这样问")).to_be_visible(timeout=FIRST_ANSWER_MS)
    expect(page.get_by_role("button", name=ELDERLY)).to_be_visible()
    snap(page, "01-start")

    ask(page, ELDERLY)
    expect(page.get_by_text(VERIFIED).first).to_be_visible(timeout=FIRST_ANSWER_MS)
    card = source_card(page, ELDERLY_LABEL)
    expect(card).to_contain_text(f"[1] {ELDERLY_LABEL}")
    expect(card.locator("mark, span").filter(has_text="医养相结合的养老服务体系").first).to_be_visible()
    expect(page.get_by_role("button", name="可以这样问")).to_have_count(0)
    page.get_by_test_id("stChatMessage").first.scroll_into_view_if_needed()
    snap(page, "02-answer")
    # The README picture: title, question, answer and its source card in one 1280×900 view.
    expect(page.get_by_role("button", name="导出 Word")).to_be_visible()
    page.get_by_test_id("stHeading").first.evaluate("h => h.scrollIntoView({block: 'start'})")
    settled(page)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT)

    card.get_by_role("link", name=re.compile("在原文中查看")).click()
    focused = page.get_by_text(re.compile("^当前查看："))
    expect(focused).to_have_text(f"当前查看：{ELDERLY_LABEL}")
    expect(page.get_by_text("健全养老服务体系").first).to_be_visible()
    assert "clause=" in page.url
    assert "documents" in page.url
    snap(page, "03-original-text")

    page.go_back()
    expect(page.get_by_text(VERIFIED).first).to_be_visible()
    snap(page, "04-back-to-chat")

    page.get_by_role("button", name="有问题").click()
    page.get_by_test_id("stMultiSelect").filter(has_text="问题类型").click()
    page.get_by_role("option", name="不完整").click()
    page.keyboard.press("Escape")
    page.get_by_label("补充说明（可选）").fill("希望列出养老服务的具体措施。")
    snap(page, "05-feedback-form")
    page.get_by_role("button", name="提交反馈").click()
    expect(page.get_by_text("已收到您的反馈")).to_be_visible()
    snap(page, "06-feedback-received")

    records = [r for r in FeedbackStore(server.data_dir / "feedback.sqlite3").all() if r.question == ELDERLY]
    assert [(r.rating, r.reasons, r.comment) for r in records] == [("down", ["不完整"], "希望列出养老服务的具体措施。")]
    assert [c["clause"] for c in records[0].citations] == ["二十五"]
    assert records[0].answer.startswith(ELDERLY_LABEL)


def test_script_in_a_question_is_shown_as_text_and_never_runs(server: Server, page: Page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    question = "<script>alert(1)</script>西部地区养老"
    page.goto(server.url)
    expect(page.get_by_text("可以这样问")).to_be_visible(timeout=FIRST_ANSWER_MS)

    ask(page, question)

    expect(page.get_by_text(VERIFIED).first).to_be_visible(timeout=FIRST_ANSWER_MS)
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text(question)
    snap(page, "11-script-as-text")
    assert page.locator("script", has_text="alert(1)").count() == 0
    assert dialogs == []


def test_chat_buttons_show_their_whole_labels_on_a_laptop_screen(server: Server, page: Page):
    page.goto(server.url)
    expect(page.get_by_text("可以这样问")).to_be_visible(timeout=FIRST_ANSWER_MS)
    ask(page, ELDERLY)
    expect(page.get_by_text(VERIFIED).first).to_be_visible(timeout=FIRST_ANSWER_MS)
    snap(page, "21-button-labels")

    truncated = []
    for name in ("新对话", "导出 Markdown", "导出 Word", "有帮助", "有问题"):
        button = page.get_by_role("button", name=name)
        expect(button).to_be_visible()
        # Streamlit puts a button's label in a text-overflow: ellipsis box; wider content than box means "…".
        cut = button.evaluate(
            """b => [...b.querySelectorAll('*')].some(
                e => getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth)"""
        )
        if cut:
            truncated.append(name)
    assert truncated == [], f"button labels cut off with an ellipsis at 1280×900: {truncated}"
