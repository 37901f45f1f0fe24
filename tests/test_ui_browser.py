"""The Streamlit app served for real and driven through Debian's Chromium: sign in, ask, open the source, feedback,
roles, saved conversations, phone layout, and the time from Enter to a visible answer."""

from __future__ import annotations

import json
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
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from assistant.accounts import account_store
from assistant.feedback import FeedbackStore
from assistant.service import PolicyAssistant
from assistant.settings import load_settings
from tests.conftest import DIRECTIVE_CORPUS, REPO

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
# Generous ceilings for a shared 2-core machine; the measured times are written to test-artifacts.
FIRST_ANSWER_MS = 90_000
STEP_MS = 30_000
PASSWORD = "correct-horse-7291"
USERS = {
    "zhang": ("civil_servant",),
    "li": ("learner",),
    "wang": ("trainer",),
    "root": ("admin",),
    "lock": ("civil_servant",),
}
MAX_FAILED = 3


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
    env["POLICY_ASSISTANT_CORPUS_DIR"] = str(DIRECTIVE_CORPUS)
    env["POLICY_ASSISTANT_SETTINGS_FILE"] = str(settings_file)
    env["POLICY_ASSISTANT_ACCOUNTS__MAX_FAILED_LOGINS"] = str(MAX_FAILED)
    os.environ["POLICY_ASSISTANT_DATA_DIR"] = str(data_dir)
    try:
        store = account_store(load_settings())
    finally:
        del os.environ["POLICY_ASSISTANT_DATA_DIR"]
    for name, roles in USERS.items():
        store.add(name, PASSWORD, roles, actor="test")
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


def choose_option(page: Page, select: Locator, option: str) -> None:
    """Open a select and pick an option; a script rerun landing between the two closes the list, so reopen it."""
    choice = page.get_by_role("option", name=option)
    for _ in range(3):
        settled(page)
        select.click()
        try:
            expect(choice).to_be_visible(timeout=5000)
        except AssertionError:
            continue
        choice.click()
        return
    choice.click()  # fails with Playwright's own message


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


def sign_in(page: Page, url: str, user: str, password: str = PASSWORD) -> None:
    """Open `url`, which shows the sign-in form to a new browser, and sign in."""
    page.goto(url)
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


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


TIMINGS = SHOTS / "answer-times.json"
TIMED = [
    "对西部地区有哪些财税支持政策？",
    ELDERLY,
    "支持哪些城市建设国际门户枢纽城市？",
    "到2035年西部地区的发展目标是什么？",
]


def test_first_answer_is_about_as_fast_as_the_later_ones(server: Server, page: Page):
    """Enter → answer visible in the browser, for the first questions this server process ever answers.

    Runs first in this module, so the first question is the first one since the server started."""
    sign_in(page, server.url, "zhang")
    box = page.get_by_placeholder(re.compile("^请输入您的问题"))
    expect(box).to_be_visible(timeout=FIRST_ANSWER_MS)
    times = []
    for n, question in enumerate(TIMED, start=1):
        settled(page)
        box.fill(question)
        started = time.perf_counter()
        box.press("Enter")
        # Complete when its feedback buttons, drawn after the answer and its source cards, are there.
        expect(page.get_by_role("button", name="有帮助")).to_have_count(n, timeout=FIRST_ANSWER_MS)
        times.append(round((time.perf_counter() - started) * 1000))
    SHOTS.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps({"questions": TIMED, "enter_to_answer_ms": times}, ensure_ascii=False), "utf-8")
    print(f"Enter → answer visible (ms): {times}")
    later = sorted(times[1:])[len(times[1:]) // 2]
    # Models are warmed when the app starts: the first answer may not be several times slower than the rest.
    assert times[0] <= max(3 * later, later + 2000), times


def test_question_source_and_feedback_end_to_end(server: Server, page: Page):
    sign_in(page, server.url, "zhang")
    expect(page.get_by_text("可以这样问")).to_be_visible(timeout=FIRST_ANSWER_MS)
    expect(page.get_by_role("button", name=ELDERLY)).to_be_visible()
    snap(page, "01-start")

    ask(page, ELDERLY)
    expect(page.get_by_text(VERIFIED).first).to_be_visible(timeout=FIRST_ANSWER_MS)
    card = source_card(page, ELDERLY_LABEL)
    expect(card).to_contain_text(f"[1] {ELDERLY_LABEL}")
    # On a laptop the answer text quotes in full as well.
    assert page.get_by_test_id("stChatMessage").last.inner_text().count("实施养老服务业专业人才培养工程") == 2
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
    expect(page.get_by_role("button", name="提交反馈")).to_be_visible()
    settled(page)
    choose_option(page, page.get_by_test_id("stMultiSelect").filter(has_text="问题类型"), "不完整")
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
    sign_in(page, server.url, "zhang")
    expect(page.get_by_text("可以这样问")).to_be_visible(timeout=FIRST_ANSWER_MS)

    ask(page, question)

    expect(page.get_by_text(VERIFIED).first).to_be_visible(timeout=FIRST_ANSWER_MS)
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text(question)
    snap(page, "11-script-as-text")
    assert page.locator("script", has_text="alert(1)").count() == 0
    assert dialogs == []


def test_chat_buttons_show_their_whole_labels_on_a_laptop_screen(server: Server, page: Page):
    sign_in(page, server.url, "zhang")
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


# --- roles ----------------------------------------------------------------------

REFUSED = re.compile("无权使用此页面")


@pytest.mark.parametrize(
    "path",
    [
        "/quiz-build",
        "/quiz-build?status=approved&show_keys=1",
        "/manage",
        "/evals",
        "/accounts",
    ],
)
def test_learner_cannot_reach_review_answer_keys_or_results_by_url_or_query(server: Server, page: Page, path: str):
    sign_in(page, server.url + path, "li")

    expect(page.get_by_text(REFUSED)).to_be_visible()
    settled(page)
    body = page.get_by_test_id("stMain").inner_text()
    assert "正确答案" not in body
    assert "审核" not in body.replace("出题", "")
    assert page.get_by_test_id("stDataFrame").count() == 0
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "答题" in nav and "出题" not in nav and "管理" not in nav  # 成绩 shows a learner only their own


def test_trainer_reaches_the_review_page(server: Server, page: Page):
    sign_in(page, server.url + "/quiz-build", "wang")

    expect(page.get_by_role("heading", name="出题与审核")).to_be_visible()
    expect(page.get_by_text(REFUSED)).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_contain_text("成绩")


def test_sign_in_sign_out_and_lock(server: Server, page: Page):
    sign_in(page, server.url, "zhang")
    expect(page.get_by_placeholder(re.compile("^请输入您的问题"))).to_be_visible()
    page.reload()  # the session cookie keeps the user signed in
    expect(page.get_by_placeholder(re.compile("^请输入您的问题"))).to_be_visible()

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    expect(page.get_by_placeholder(re.compile("^请输入您的问题"))).to_have_count(0)

    for attempt in range(1, MAX_FAILED + 1):
        page.get_by_label("用户名").fill("lock")
        page.get_by_label("密码").fill("wrong-password")
        page.get_by_role("button", name="登录").click()
        message = "用户名或密码不正确。" if attempt < MAX_FAILED else f"密码连续错误 {MAX_FAILED} 次"
        expect(page.get_by_text(message)).to_be_visible()
        settled(page)
    page.get_by_label("用户名").fill("lock")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text(re.compile("^账号已锁定"))).to_be_visible()
    snap(page, "31-account-locked")


# --- saved conversations and citations -----------------------------------------


def test_conversation_survives_a_reload(server: Server, page: Page):
    sign_in(page, server.url, "zhang")
    ask(page, ELDERLY)
    expect(page.get_by_text(VERIFIED).first).to_be_visible(timeout=FIRST_ANSWER_MS)
    settled(page)
    assert "c=" in page.url

    page.reload()

    expect(page.get_by_text(VERIFIED).first).to_be_visible()
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text(ELDERLY)
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name=ELDERLY).first).to_be_visible()
    snap(page, "41-after-reload")


def test_citation_marker_opens_its_highlighted_source_and_the_original_text(server: Server, page: Page):
    sign_in(page, server.url, "zhang")
    ask(page, ELDERLY)
    expect(page.get_by_text(VERIFIED).first).to_be_visible(timeout=FIRST_ANSWER_MS)
    settled(page)

    page.get_by_test_id("stChatMessage").last.get_by_role("link", name="[1]").click()

    card = page.locator('[class*="st-key-card-"]').filter(has_text=ELDERLY_LABEL).first
    assert "#cite-" in page.url
    expect(card).to_be_in_viewport()
    assert card.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    expect(card.locator("span").filter(has_text="医养相结合的养老服务体系").first).to_be_visible()
    snap(page, "51-marker-opens-card")

    card.get_by_role("link", name=re.compile("在原文中查看")).click()
    expect(page.get_by_text(re.compile("^当前查看："))).to_be_visible()
    heading = page.get_by_role("heading", name="六、（二十五）健全养老服务体系")
    expect(heading).to_be_in_viewport()
    # The quoted sentence is highlighted in the full text, right under the heading.
    quote = (
        page.get_by_test_id("stMain")
        .locator("span:has(> strong)")
        .filter(has_text="实施养老服务业专业人才培养工程。")
        .last
    )
    expect(quote).to_be_in_viewport()
    assert quote.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    snap(page, "52-original-text-highlighted")


# --- layout and language -----------------------------------------------------------


def test_phone_shows_the_chat_without_the_sidebar_covering_it(server: Server, browser: Browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(STEP_MS)
    page = context.new_page()
    try:
        sign_in(page, server.url, "zhang")
        box = page.get_by_placeholder(re.compile("^请输入您的问题"))
        expect(box).to_be_in_viewport()
        settled(page)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        width = sidebar.evaluate("e => e.getBoundingClientRect().right")
        assert width <= 1, f"sidebar still covers {width:.0f}px of the chat"
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), "input placeholder clipped"
        snap(page, "61-phone-chat")

        ask(page, ELDERLY)
        expect(page.get_by_text(VERIFIED).first).to_be_visible(timeout=FIRST_ANSWER_MS)
        settled(page)
        shown = page.get_by_test_id("stChatMessage").last.inner_text()  # innerText: what is displayed
        # The quote's end appears once, in the source card; the answer text keeps its opening and the marker.
        assert shown.count("实施养老服务业专业人才培养工程") == 1, shown
        assert "加快构建以居家为基础" in shown and "[1]" in shown
        snap(page, "62-phone-answer")
    finally:
        context.close()


def test_chat_address_and_widgets_are_chinese(server: Server, page: Page):
    sign_in(page, server.url + "/chat", "root")
    # /chat reaches the chat page (root may not chat, so the guard sends them to their own page), never "Page not found".
    expect(page.get_by_role("heading", name="文档管理")).to_be_visible()
    settled(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    uploader = page.get_by_test_id("stFileUploaderDropzone")
    labels = uploader.evaluate(
        """e => [...e.querySelectorAll('p, span')].map(x => getComputedStyle(x, '::after').content).join(' ')"""
    )
    assert "选择文件" in labels and "单个文件不超过 20 MB" in labels, labels
    visible = uploader.evaluate(
        """e => [...e.querySelectorAll('p, span')].filter(x => parseFloat(getComputedStyle(x).fontSize) > 0
              && x.children.length === 0).map(x => x.textContent).join(' ')"""
    )
    assert not re.search(r"Upload|per file|Drag|Browse", visible), visible
    snap(page, "71-manage-chinese-uploader")
