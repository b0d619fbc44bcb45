#!/usr/bin/env python
"""A walk through the whole workflow using only the REST API (the demo data: `make demo`).

    .venv/bin/python scripts/api_walkthrough.py [--base http://127.0.0.1:8000] [--year 2031]

1. The administrator imports an empty report for a free fiscal year with one section
   (市長公室) — POST /api/v1/reports/import/ — so the walk does not disturb the demo's years.
2. The editor (koshitsu-tanto) logs in with a token, adds an item and a text block, submits.
3. The head (koshitsu-kacho) forwards it to the planning division.
4. The reviewer (shinsa) returns it with a comment; the editor fixes the text, marks the
   comment done and submits again; the head forwards again; the reviewer approves.
5. The planning division's head (kikaku-kacho) approves the report; the assembly builds and
   publishes it (a Celery worker must be running; the script waits for the build).
6. The published result is read anonymously from the public API.

Only the standard library is used, so the script is also a reading aid: every request is
printed with its answer. Every write sends the ETag it read in If-Match.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request

PASSWORD = "akiruno-demo"  # noqa: S105 (the demo's published password)


class Api:
    def __init__(self, base: str, token: str | None = None, who: str = "anonymous") -> None:
        self.base, self.token, self.who = base.rstrip("/"), token, who

    def call(
        self,
        method: str,
        path: str,
        body: object | None = None,
        *,
        if_match: str | None = None,
        expect: tuple[int, ...] = (200, 201, 202, 204),
    ) -> tuple[int, dict, dict]:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if if_match:
            headers["If-Match"] = if_match
        request = urllib.request.Request(  # noqa: S310 (the URL is the given server's)
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request) as response:  # noqa: S310
                status, raw, response_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, response_headers = error.code, error.read(), error.headers
        payload = json.loads(raw) if raw else {}
        print(f"[{self.who}] {method} {path} → {status}")
        if status not in expect:
            print(json.dumps(payload, ensure_ascii=False, indent=2))
            raise SystemExit(f"unexpected status {status} for {method} {path}")
        if status >= 400:
            print(f"    {payload.get('code')}: {payload.get('message')}")
        return status, payload, dict(response_headers)

    def get(self, path: str, **kw):
        return self.call("GET", path, **kw)

    def post(self, path: str, body: object | None = None, **kw):
        return self.call("POST", path, {} if body is None else body, **kw)

    def etag(self, path: str) -> str:
        return self.get(path)[2]["ETag"]


def login(base: str, username: str) -> Api:
    _, body, _ = Api(base).post(
        "/api/v1/auth/token/",
        {"username": username, "password": PASSWORD, "name": "api_walkthrough"},
    )
    return Api(base, body["token"], username)


def empty_report(year: int) -> dict:
    return {
        "format": "akiruno-jimuhokoku",
        "format_version": 1,
        "fiscal_year": year,
        "report": {"title": f"{year}年度 事務報告書（API の例）"},
        "departments": [{"code": "shicho-koshitsu", "name": "市長公室", "kind": "ka"}],
        "sections": [{"department": "shicho-koshitsu", "items": []}],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--year", type=int, default=2031, help="a fiscal year the demo lacks")
    parser.add_argument("--wait", type=int, default=300, help="seconds to wait for the build")
    args = parser.parse_args()
    base, year = args.base, args.year

    admin = login(base, "admin")
    editor, head = login(base, "koshitsu-tanto"), login(base, "koshitsu-kacho")
    reviewer, planning_head = login(base, "shinsa"), login(base, "kikaku-kacho")

    print("\n1. 管理者が空の年度を取り込む")
    status, _, _ = admin.get(f"/api/v1/reports/{year}/", expect=(200, 404))
    if status == 200:
        raise SystemExit(f"{year}年度は既にあります。--year で別の年度を指定してください。")
    admin.post("/api/v1/reports/import/", empty_report(year))
    _, found, _ = editor.get(f"/api/v1/sections/?fiscal_year={year}&department=shicho-koshitsu")
    section = found["results"][0]["id"]
    section_url = f"/api/v1/sections/{section}/"

    print("\n2. 担当者が書いて提出する")
    _, item, _ = editor.post(f"{section_url}items/", {"heading": "秘書事務"})
    _, block, _ = editor.post(
        f"/api/v1/items/{item['id']}/blocks/",
        {"kind": "text", "data": {"paragraphs": ["市長の日程調整を行った（下書き）。"]}},
    )
    editor.post(f"{section_url}submit/", if_match=editor.etag(section_url))

    print("\n3. 課長が企画政策課へ送付する")
    head.post(f"{section_url}forward/", if_match=head.etag(section_url))

    print("\n4. 審査担当が差し戻し、担当者が直して再提出、課長が送付、審査担当が承認する")
    reviewer.post(
        f"{section_url}return/",
        {"comment": "件数を書いてください。"},
        if_match=reviewer.etag(section_url),
    )
    block_url = f"/api/v1/blocks/{block['id']}/"
    editor.call(
        "PATCH",
        block_url,
        {"data": {"paragraphs": ["市長の日程調整を行った（1,234件）。"]}},
        if_match=editor.etag(block_url),
    )
    _, comments, _ = editor.get(f"/api/v1/comments/?section={section}&resolved=false")
    for comment in comments["results"]:
        editor.post(f"/api/v1/comments/{comment['id']}/resolve/", {"resolved": True})
    editor.post(f"{section_url}submit/", if_match=editor.etag(section_url))
    head.post(f"{section_url}forward/", if_match=head.etag(section_url))
    reviewer.post(f"{section_url}approve/", if_match=reviewer.etag(section_url))

    print("\n5. 企画政策課長が報告書を承認する（構築と公開が始まる）")
    report_url = f"/api/v1/reports/{year}/"
    planning_head.post(f"{report_url}approve/", if_match=planning_head.etag(report_url))
    deadline = time.monotonic() + args.wait
    while True:
        _, builds, _ = planning_head.get(f"/api/v1/builds/?fiscal_year={year}&kind=release")
        build = builds["results"][0] if builds["results"] else None
        if build and build["status"] in {"succeeded", "failed"}:
            break
        if time.monotonic() > deadline:
            raise SystemExit(
                "構築が終わりません。Celery のワーカーが動いているか確認してください。"
            )
        progress = f"{build['progress_done']}/{build['progress_total']}" if build else "—"
        print(f"    構築を待っています（{progress}）")
        time.sleep(3)
    if build["status"] != "succeeded":
        raise SystemExit(f"構築に失敗しました: {build['error']}")

    print("\n6. 公開された内容を匿名で読む")
    public = Api(base)
    _, toc, headers = public.get(f"/api/v1/public/reports/{year}/")
    print(f"    ETag {headers.get('ETag')}  Cache-Control {headers.get('Cache-Control')}")
    _, dept, _ = public.get(toc["departments"][0]["url"])
    for entry in dept["items"]:
        print(f"    {entry['number']} {entry['heading']}")
        for b in entry["blocks"]:
            print("      " + " ".join(b["data"].get("paragraphs", [])))
    print("\n完了しました。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
