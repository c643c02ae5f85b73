"""Notebook 02's "save to case file" row: the same edit as ``whoa accounts --assign``."""

from __future__ import annotations

import shutil

import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import evidence, pipeline, workbench

pytest.importorskip("ipywidgets", reason="ipywidgets is in the [test] and [notebook] extras")


@pytest.fixture
def case_file(sample, tmp_path):
    shutil.copytree(sample, tmp_path / "sample")
    file = tmp_path / "sample" / "case.toml"
    file.write_text("# my notes\n" + file.read_text(encoding="utf-8"), encoding="utf-8")
    return file


def test_one_row_per_unassigned_account_and_the_button_saves(case_file):
    case = case_mod.load(case_file)
    accounts, _ = pipeline.accounts(case)
    box = workbench.assign_accounts(case_file, accounts, case)
    free = list(accounts.loc[accounts["person"] == "", "account"])
    assert len(box.children) == len(free) == 3
    row = box.children[free.index("discord:300000000000000003")]
    label, (picker, button, said) = row.children[0], row.children[1].children
    assert label.value.startswith("discord:300000000000000003 (also discord:robz_back), "
                                  "shown as Rob: 4 sent")
    assert [value for _, value in picker.options] == ["", "dana", "rob", "sam"]
    button.click()                                   # no person picked: nothing written
    assert said.value.startswith("not saved: pick the person")
    assert not (case_file.parent / evidence.CUSTODY).exists()
    picker.value = "rob"
    button.click()
    assert said.value.startswith("saved: discord:300000000000000003 is rob's")
    assert button.disabled
    after = case_mod.load(case_file)
    assert "discord:300000000000000003" in after.person("rob").accounts
    assert case_file.read_text(encoding="utf-8").startswith("# my notes\n")
    assert evidence.read_custody(after)[-1]["details"]["change"] == \
        "assign account discord:300000000000000003 to rob"


def test_a_refused_save_says_why_and_changes_nothing(case_file):
    before = case_file.read_bytes()
    said = workbench.save_assignment(case_file, "discord:dana_e", "rob")
    assert said.startswith("not saved:") and "already listed for 'dana'" in said
    assert case_file.read_bytes() == before
