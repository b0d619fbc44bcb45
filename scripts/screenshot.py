"""Take full-page screenshots of app pages in Debian's Chromium, logged in as a demo user.

.venv/bin/python scripts/screenshot.py http://127.0.0.1:8000 /staff/ out.png [--user kikaku-tanto]
"""

import argparse

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("path")
    parser.add_argument("out")
    parser.add_argument("--user")
    parser.add_argument("--password", default="akiruno-demo")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        if args.user:
            page.goto(args.base + "/accounts/login/")
            page.fill("#id_username", args.user)
            page.fill("#id_password", args.password)
            with page.expect_navigation():
                page.click("button[type=submit]")
        page.goto(args.base + args.path)
        page.screenshot(path=args.out, full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
