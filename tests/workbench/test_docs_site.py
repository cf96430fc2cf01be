"""`callguide docs PACK --out DIR`: a static site of each bundled pack, opened in headless
Chromium with no network: every diagram is drawn, no page prints an error."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .helpers import invoke
from .pages import open_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).parent.parent.parent
PACKS = sorted(path.parent.name for path in (ROOT / "flows").glob("*/pack.yaml"))


@pytest.mark.parametrize("name", PACKS)
def test_the_site_of_a_bundled_pack_draws_every_flow(name: str, tmp_path: Path, browser: Browser) -> None:
    site = tmp_path / "site"
    code, out = invoke("docs", str(ROOT / "flows" / name), "--out", str(site))
    assert code == 0, out
    flows = sorted(path.stem for path in (site / "flows").glob("*.html"))
    assert out == f"wrote {len(flows) + 1} pages to {site}: open {site / 'index.html'}\n"
    index, errors = open_page(browser, site / "index.html")
    assert errors == []
    listed = sorted(link.rsplit("/", 1)[1].removesuffix(".html") for link in _links(index, "a[href^='flows/']"))
    assert set(listed) == set(flows)
    for flow in flows:
        page, errors = open_page(browser, site / "flows" / f"{flow}.html")
        assert errors == [], flow
        assert page.locator("pre.mermaid svg").count() == 1, flow
        assert page.locator("pre.mermaid svg g.node").count() >= 2, flow
        page.context.close()
    index.context.close()


def test_the_site_shows_texts_in_every_language_rules_reasons_and_scenarios(tmp_path: Path) -> None:
    pack = tmp_path / "demo"
    shutil.copytree(ROOT / "tests" / "packs" / "demo", pack)
    (pack / "tests").mkdir()
    (pack / "tests" / "skip.yaml").write_text(
        "scenario: Ann needs nothing\nflow: main\ngiven: {customer: C1}\n"
        "play:\n  - answer: null\n  - answer: skip\nexpect:\n  outcome: resolved\n",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    assert invoke("docs", str(pack), "--out", str(site))[0] == 0
    main = (site / "flows" / "main.html").read_text(encoding="utf-8")
    # the greeting in both languages of the pack, and who passes through it
    assert '<span class="lang">en</span>Hello {{ customer.name }}' in main
    assert '<span class="lang">ru</span>Здравствуйте, {{ customer.name }}' in main
    assert '<tr id="hello">' in main and "Ann needs nothing" in main.split('<tr id="hello">')[1].split("</tr>")[0]
    assert "no scenario" in main.split('<tr id="amount">')[1].split("</tr>")[0]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<code>!insult</code>" in index and "end interrupted (reason abusive)" in index
    assert "<code>done</code>" in index and "Ann needs nothing" in index.split("<code>done</code>")[1].split("</tr>")[0]
    assert (site / "assets" / "mermaid.min.js").stat().st_size > 1_000_000  # shipped, not fetched


def test_docs_of_a_broken_pack_reports_its_problems_and_writes_nothing(tmp_path: Path) -> None:
    pack = tmp_path / "demo"
    shutil.copytree(ROOT / "tests" / "packs" / "demo", pack)
    main = pack / "main.yaml"
    main.write_text(main.read_text(encoding="utf-8").replace("next: topic", "next: topik"), encoding="utf-8")
    code, out = invoke("docs", str(pack), "--out", str(tmp_path / "site"))
    assert code == 1
    assert "goes to `topik`, which is not a step of `main` - did you mean `topic`?" in out
    assert "the pack has errors; no site was written" in out
    assert not (tmp_path / "site").exists()


def _links(page: Page, selector: str) -> list[str]:
    locator = page.locator(selector)
    return [str(locator.nth(i).get_attribute("href")) for i in range(locator.count())]
