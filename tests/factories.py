"""Factories with named states keep tests short: make_section(state="in_review")."""

from __future__ import annotations

import itertools

from reports.models import AnnualReport, Block, Department, Item, Section, User

_seq = itertools.count(1)


def make_department(code: str | None = None, name: str | None = None, **kwargs) -> Department:
    n = next(_seq)
    code = code or f"dept-{n}"
    defaults = {"name": name or f"テスト課{n}", "display_order": n}
    defaults.update(kwargs)
    department, _ = Department.objects.get_or_create(code=code, defaults=defaults)
    return department


def make_user(
    username: str | None = None,
    *,
    department: Department | None = None,
    editor: bool = False,
    head: bool = False,
    reviewer: bool = False,
    admin: bool = False,
    password: str = "pass-for-tests-1234",
    second_factor: bool | None = None,
) -> User:
    """A staff member. `second_factor` (default: when the role requires one) enrols an
    authenticator app with a random secret (tests.otp.totp_code gives its codes)."""
    username = username or f"user{next(_seq)}"
    user = User.objects.create_user(
        username=username,
        password=password,
        full_name=f"{username} 氏",
        department=department,
        is_editor=editor,
        is_head=head,
        is_reviewer=reviewer,
        is_superuser=admin,
        is_staff=admin,
    )
    if second_factor is None:
        from reports.permissions import requires_second_factor

        second_factor = requires_second_factor(user)
    if second_factor:
        enrol(user)
    return user


def enrol(user: User):
    """A confirmed authenticator app for `user` (random secret)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="認証アプリ", confirmed=True)


def make_report(fiscal_year: int = 2024, **kwargs) -> AnnualReport:
    from akiruno.wareki import format_fiscal_year

    defaults = {"title": f"{format_fiscal_year(fiscal_year)} 事務報告書"}
    defaults.update(kwargs)
    report, _ = AnnualReport.objects.get_or_create(fiscal_year=fiscal_year, defaults=defaults)
    return report


def make_section(
    department: Department | None = None, report: AnnualReport | None = None
) -> Section:
    department = department or make_department()
    report = report or make_report()
    return Section.objects.create(
        report=report, department=department, department_name=department.name
    )


def set_state(section: Section, state: str) -> Section:
    """Put a section in a state directly, for test set-up only (bypasses the workflow)."""
    Section.objects.filter(pk=section.pk).update(state=state)
    section.refresh_from_db()
    return section


def make_item(
    section: Section,
    heading: str = "見出し",
    parent: Item | None = None,
    position: int | None = None,
) -> Item:
    if position is None:
        position = Item.objects.filter(section=section, parent=parent).count()
    return Item.objects.create(section=section, parent=parent, heading=heading, position=position)


def make_block(item: Item, kind: str, data: dict, position: int | None = None) -> Block:
    from reports import blocks

    if position is None:
        position = Block.objects.filter(item=item).count()
    return Block.objects.create(
        item=item, kind=kind, data=blocks.get(kind).clean(data), position=position
    )
