"""Document kinds come from the rule table in assistant/ingest/data/kinds.toml: one test per row."""

from __future__ import annotations

import pytest

from assistant.ingest.kinds import classify, kind_rules, matching_rule

RULES = kind_rules()


@pytest.mark.parametrize("row", range(len(RULES)), ids=[f"{i}-{r.kind}" for i, r in enumerate(RULES)])
def test_each_rule_classifies_its_own_example(row):
    rule = RULES[row]
    example = rule.example
    folders = (example["folder"],) if "folder" in example else ()
    found = matching_rule(example["title"], example.get("issuer", ""), folders)
    assert found is rule, f"row {row} example is taken by {found}"
    assert classify(example["title"], example.get("issuer", ""), folders) == rule.kind


@pytest.mark.parametrize(
    ("title", "issuer", "folders", "kind"),
    [
        ("中华人民共和国社会保险法", "全国人民代表大会常务委员会", (), "法律"),
        ("中华人民共和国社会保险法", "", (), "法律"),
        ("企业国有资产评估管理暂行办法", "", (), "部门规章"),  # 办法 is not 法
        ("全国年节及纪念日放假办法", "国务院", (), "行政法规"),
        ("森林法实施条例", "国务院", (), "行政法规"),
        ("最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", "", (), "司法解释"),
        ("中共中央国务院关于新时代推进西部大开发形成新格局的指导意见", "", (), "意见"),
        ("关于加强社区养老服务工作的通知", "", (), "通知"),
        ("劳动仲裁和劳动诉讼的攻略", "", ("其他",), ""),
    ],
)
def test_titles_issuers_and_folders_give_the_kind(title, issuer, folders, kind):
    assert classify(title, issuer, folders) == kind
