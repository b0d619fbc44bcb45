"""HTML forms for the staff pages. They collect text; the services clean and validate it
(full-width digits, 和暦 dates, △) so that the form, the API and the import agree."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from akiruno import wareki
from akiruno.exceptions import ApplicationError
from meetings import formatting
from meetings.models import MeetingBody, MeetingSession
from meetings.permissions import editable_departments
from meetings.selectors import fiscal_year_choices
from reports.models import Department, User
from reports.permissions import policy

DATE_HINT = "例: 2024-06-04、2024/6/4、令和6年6月4日"


def year_choices(extra: int | None = None) -> list[tuple[int, str]]:
    """Years with a report or sessions, the last ten fiscal years, and `extra`; newest first."""
    years = set(fiscal_year_choices())
    latest = max(years)
    years |= set(range(latest - 10, latest + 1))
    if extra:
        years.add(extra)
    return [(y, wareki.format_fiscal_year(y)) for y in sorted(years, reverse=True)]


class ServiceErrorsMixin:
    """Put an ApplicationError's details on the matching fields (the rest above the form)."""

    def add_service_errors(self, exc: ApplicationError) -> None:
        details = exc.details if isinstance(exc.details, dict) else {}
        placed = False
        for where, message in details.items():
            name = str(where).lstrip("/").split("/")[0]
            if name in self.fields:
                self.add_error(name, message)
                placed = True
            else:
                self.add_error(None, message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


class BodyForm(ServiceErrorsMixin, forms.Form):
    key = forms.CharField(
        label="キー",
        required=False,
        max_length=80,
        help_text="半角の英小文字・数字・ハイフン（例: nishitama-kouiki）。空欄なら自動で付けます。登録後は変更できません。",
    )
    name = forms.CharField(label="名称", max_length=200)
    kind = forms.ChoiceField(label="種類", choices=MeetingBody.Kind.choices)
    department = forms.ModelChoiceField(label="担当課", queryset=None, empty_label=None)
    role = forms.ChoiceField(
        label="市の関わり", choices=MeetingBody.Role.choices, widget=forms.RadioSelect
    )
    purpose = forms.CharField(
        label="目的",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="報告書に「」で引用する文言を、そのとおりに入力します（「」は付けません）。",
    )
    parent = forms.ModelChoiceField(
        label="上位の会議体",
        queryset=None,
        required=False,
        empty_label="なし",
        help_text="例: 平和首長会議東京都多摩地域平和ネットワークの上位は平和首長会議。",
    )
    numbering = forms.ChoiceField(
        label="回の番号",
        choices=MeetingBody.Numbering.choices,
        widget=forms.RadioSelect,
        help_text="第38回のように年度をまたいで続く番号なら「通し番号」を選びます。",
    )
    active_from = forms.CharField(
        label="活動開始年度", required=False, help_text="西暦の年度（例: 2024）。空欄なら制限なし。"
    )
    active_to = forms.CharField(
        label="活動終了年度", required=False, help_text="解散・脱退した年度。空欄なら制限なし。"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user: User, instance: MeetingBody | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "key": instance.key,
                "name": instance.name,
                "kind": instance.kind,
                "department": instance.department_id,
                "role": instance.role,
                "purpose": instance.purpose,
                "parent": instance.parent_id,
                "numbering": instance.numbering,
                "active_from": instance.active_from or "",
                "active_to": instance.active_to or "",
                "version": instance.version,
            }
        kwargs.setdefault("initial", {}).setdefault("role", MeetingBody.Role.MEMBER)
        kwargs["initial"].setdefault("numbering", MeetingBody.Numbering.YEARLY)
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(pk__in=editable_departments(user).values("pk"))
        if instance is not None:
            departments = Department.objects.filter(
                Q(pk__in=editable_departments(user).values("pk")) | Q(pk=instance.department_id)
            )
            self.fields["key"].disabled = True
            self.fields[
                "key"
            ].help_text = "キーは変更できません（報告のブロックがこのキーで参照しています）。"
        self.fields["department"].queryset = departments.order_by("display_order", "code")
        parents = policy.visible(user, MeetingBody, MeetingBody.objects.order_by("name", "key"))
        if instance is not None:
            parents = parents.exclude(pk=instance.pk)
        self.fields["parent"].queryset = parents

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("department", "parent", "version"):
            data.pop(name, None)
        return data


class SessionForm(ServiceErrorsMixin, forms.Form):
    fiscal_year = forms.TypedChoiceField(
        label="記録する年度",
        coerce=int,
        help_text="開催日はこの年度（4月1日～翌年3月31日）の日付にしてください。",
    )
    category = forms.CharField(
        label="区分",
        required=False,
        max_length=100,
        help_text="会議体の中の会議の種類（協議会、総会、幹事会・事務局会議など）。回数はこの区分ごとに数えます。",
    )
    sequence = forms.CharField(
        label="回", required=False, help_text="第何回か（数字のみ、例: 38）。ない場合は空欄。"
    )
    start = forms.CharField(label="開催日", help_text=DATE_HINT)
    end = forms.CharField(
        label="終了日",
        required=False,
        help_text="書面開催などで期間がある場合だけ（例: 令和6年6月4日）。",
    )
    format = forms.ChoiceField(
        label="開催形式", choices=MeetingSession.Format.choices, widget=forms.RadioSelect
    )
    venue = forms.CharField(label="開催会場", required=False, max_length=200)
    attendance = forms.CharField(label="出席者数", required=False, help_text="人数（数字のみ）。")
    agenda = forms.CharField(
        label="内容（議題）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="1項目ごとに行頭に「・」。続きの行（①…）は「・」なしで。諮問・報告は末尾に（諮問）（報告）と書きます。",
    )
    note = forms.CharField(label="備考", required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args,
        body: MeetingBody,
        fiscal_year: int,
        categories: list[str],
        instance: MeetingSession | None = None,
        **kwargs,
    ):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("fiscal_year", fiscal_year)
        initial.setdefault("format", MeetingSession.Format.IN_PERSON)
        initial.setdefault("category", categories[0] if categories else body.kind)
        if instance is not None:
            initial.update(
                {
                    "fiscal_year": instance.fiscal_year,
                    "category": instance.category,
                    "sequence": instance.sequence or "",
                    "start": instance.start.isoformat(),
                    "end": instance.end.isoformat() if instance.end else "",
                    "format": instance.format,
                    "venue": instance.venue,
                    "attendance": "" if instance.attendance is None else instance.attendance,
                    "agenda": formatting.agenda_to_text(
                        {"text": a.text, "marker": a.marker} for a in instance.agenda_items.all()
                    ),
                    "note": instance.note,
                    "version": instance.version,
                }
            )
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = year_choices(fiscal_year)
        self.fields["category"].widget.attrs["list"] = "category-options"
        self.categories = categories
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update({"autocomplete": "off", "class": "input--medium"})
        for name in ("fiscal_year", "category"):
            self.fields[name].widget.attrs["class"] = "input--medium"
        for name in ("sequence", "attendance"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "class": "input--short"})

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("fiscal_year", None)
        data.pop("version", None)
        return data


class ManualCountForm(ServiceErrorsMixin, forms.Form):
    category = forms.CharField(
        label="区分", max_length=100, help_text="例: 協議会、幹事会・事務局会議、総会。"
    )
    count = forms.CharField(label="回数")
    online = forms.CharField(label="うちオンライン開催", required=False, initial="0")
    written = forms.CharField(label="うち書面開催", required=False, initial="0")
    hybrid = forms.CharField(label="うちハイブリッド開催", required=False, initial="0")
    note = forms.CharField(
        label="手入力の理由",
        max_length=500,
        help_text="なぜ会議ごとに記録しないのか（例: 他団体主催のため件数のみ把握）。報告書には印刷されません。",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance=None, categories: list[str] = (), **kwargs):
        if instance is not None:
            kwargs["initial"] = {
                "category": instance.category,
                "count": instance.count,
                "online": instance.online,
                "written": instance.written,
                "hybrid": instance.hybrid,
                "note": instance.note,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        self.fields["category"].widget.attrs["list"] = "category-options"
        for name in ("count", "online", "written", "hybrid"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "class": "input--short"})

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label="ファイル（.xlsx または CSV）",
        help_text="1行目に見出し（会議体・区分・回・開催日・終了日・開催形式・開催会場・出席者数・内容・備考）。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
        error_messages={
            "required": "取り込むファイルを選んでください。",
            "empty": "ファイルが空です。会議を1行に1件書いた .xlsx または CSV ファイルを選んでください。",
        },
    )
    fiscal_year = forms.TypedChoiceField(label="取り込む年度", coerce=int)
    replace = forms.BooleanField(
        label="ファイルにある会議体の、この年度の既存の会議を置き換える",
        required=False,
        help_text="直したファイルを取り込み直すときに選びます。選ばない場合、同じ回の会議があれば誤りになります。",
    )

    def __init__(self, *args, fiscal_year: int, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("fiscal_year", fiscal_year)
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = year_choices(fiscal_year)
