"""The staff and public shells: Japanese, accessible structure, no leaks."""

import re

from tests import factories


def test_public_landing_is_japanese_and_lists_only_published_years(client, db):
    factories.make_report(2023)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert "本文へ移動" in html  # skip link
    assert "令和5年度" not in html  # a report that is not published is not listed


def test_404_is_japanese(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_login_page_labels_every_control(client, db):
    html = client.get("/accounts/login/").content.decode()
    inputs = re.findall(r'<input[^>]+type="(?:text|password)"[^>]*id="([^"]+)"', html)
    assert inputs
    for input_id in inputs:
        assert f'for="{input_id}"' in html


def test_staff_home_lists_only_own_department_sections(client, editor, koshitsu, zaisei, report):
    factories.make_section(koshitsu, report)
    factories.make_section(zaisei, report)
    client.force_login(editor)
    html = client.get("/staff/").content.decode()
    assert "市長公室" in html
    assert "財政課" not in html
