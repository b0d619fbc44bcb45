"""Builds and the public search index.

The search index is vendor specific: on SQLite an FTS5 table with the trigram tokenizer kept in
step with reports_searchentry by triggers; on PostgreSQL the pg_trgm extension and a GIN index
on the folded text. Search works without either (a plain substring scan), only slower.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS reports_searchentry_fts USING fts5("
    "normalized, content='reports_searchentry', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS reports_searchentry_ai AFTER INSERT ON reports_searchentry BEGIN "
    "INSERT INTO reports_searchentry_fts(rowid, normalized) VALUES (new.id, new.normalized); END",
    "CREATE TRIGGER IF NOT EXISTS reports_searchentry_ad AFTER DELETE ON reports_searchentry BEGIN "
    "INSERT INTO reports_searchentry_fts(reports_searchentry_fts, rowid, normalized) "
    "VALUES ('delete', old.id, old.normalized); END",
    "CREATE TRIGGER IF NOT EXISTS reports_searchentry_au AFTER UPDATE ON reports_searchentry BEGIN "
    "INSERT INTO reports_searchentry_fts(reports_searchentry_fts, rowid, normalized) "
    "VALUES ('delete', old.id, old.normalized); "
    "INSERT INTO reports_searchentry_fts(rowid, normalized) VALUES (new.id, new.normalized); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS reports_searchentry_au",
    "DROP TRIGGER IF EXISTS reports_searchentry_ad",
    "DROP TRIGGER IF EXISTS reports_searchentry_ai",
    "DROP TABLE IF EXISTS reports_searchentry_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS reports_searchentry_trgm ON reports_searchentry "
    "USING gin (normalized gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS reports_searchentry_trgm"]


def _sqlite_has_fts5_trigram(cursor) -> bool:
    try:
        cursor.execute("CREATE VIRTUAL TABLE temp.akiruno_probe USING fts5(x, tokenize='trigram')")
        cursor.execute("DROP TABLE temp.akiruno_probe")
        return True
    except Exception:
        return False


def create_search_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if not _sqlite_has_fts5_trigram(cursor):
                return  # SQLite < 3.34 or without FTS5: search scans the table instead
            statements = SQLITE_FORWARD
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
            if cursor.fetchone() is None:
                return  # contrib not installed: search scans the table instead
            statements = POSTGRES_FORWARD
        else:
            return
        for statement in statements:
            cursor.execute(statement)


def drop_search_index(apps, schema_editor):
    connection = schema_editor.connection
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='Build',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('release', '公開用'), ('preview', 'プレビュー（案）')], default='release', max_length=10, verbose_name='種類')),
                ('status', models.CharField(choices=[('queued', '待機中'), ('running', '実行中'), ('succeeded', '完了'), ('failed', '失敗')], default='queued', max_length=10, verbose_name='状態')),
                ('phase', models.CharField(blank=True, choices=[('', '—'), ('html', 'HTML・CSV の作成'), ('pdf', '課別 PDF の作成'), ('merge', 'PDF の結合・頁番号'), ('done', '終了')], max_length=10, verbose_name='工程')),
                ('input_checksum', models.CharField(blank=True, max_length=64, verbose_name='入力のチェックサム')),
                ('content_version', models.JSONField(blank=True, default=dict, help_text='構築に使った課別報告のスナップショット（課、版、スナップショットID）。', verbose_name='入力の版')),
                ('progress_done', models.PositiveIntegerField(default=0, verbose_name='完了した工程数')),
                ('progress_total', models.PositiveIntegerField(default=0, verbose_name='工程数')),
                ('manifest', models.JSONField(blank=True, default=dict, help_text='ファイル名 → {sha256, size, content_type}。', verbose_name='出力ファイル')),
                ('page_count', models.PositiveIntegerField(blank=True, null=True, verbose_name='PDF の頁数')),
                ('error', models.TextField(blank=True, verbose_name='エラー')),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='実行回数')),
                ('task_id', models.CharField(blank=True, max_length=255, verbose_name='タスクID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='作成日時')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='開始日時')),
                ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='最終応答日時')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='終了日時')),
                ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='公開日時')),
                ('edition', models.PositiveIntegerField(blank=True, null=True, verbose_name='版（公開の順）')),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='builds', to='reports.annualreport', verbose_name='事務報告書')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='依頼者')),
                ('section', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='preview_builds', to='reports.section', verbose_name='課別報告（プレビューの対象）')),
            ],
            options={
                'verbose_name': '構築',
                'verbose_name_plural': '構築',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fiscal_year', models.PositiveSmallIntegerField(db_index=True, verbose_name='年度')),
                ('report_title', models.CharField(max_length=200, verbose_name='表題')),
                ('department_code', models.CharField(max_length=50, verbose_name='課コード')),
                ('department_name', models.CharField(max_length=100, verbose_name='課名')),
                ('position', models.PositiveIntegerField(verbose_name='順序')),
                ('anchor', models.CharField(max_length=100, verbose_name='アンカー')),
                ('number', models.CharField(max_length=100, verbose_name='番号')),
                ('heading', models.CharField(max_length=500, verbose_name='見出し')),
                ('text', models.TextField(verbose_name='本文')),
                ('normalized', models.TextField(verbose_name='検索用の本文')),
                ('build', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='search_entries', to='reports.build', verbose_name='構築')),
            ],
            options={
                'verbose_name': '検索索引',
                'verbose_name_plural': '検索索引',
                'ordering': ['-fiscal_year', 'position'],
            },
        ),
        migrations.AddIndex(
            model_name='build',
            index=models.Index(fields=['report', 'kind', '-published_at'], name='reports_bui_report__39656c_idx'),
        ),
        migrations.AddIndex(
            model_name='build',
            index=models.Index(fields=['report', 'kind', 'input_checksum'], name='reports_bui_report__e4a408_idx'),
        ),
        migrations.AddConstraint(
            model_name='build',
            constraint=models.UniqueConstraint(condition=models.Q(('edition__isnull', False)), fields=('report', 'edition'), name='one_build_per_edition'),
        ),
        migrations.AddConstraint(
            model_name='build',
            constraint=models.CheckConstraint(condition=models.Q(('published_at__isnull', True), models.Q(('kind', 'release'), ('status', 'succeeded')), _connector='OR'), name='only_succeeded_release_builds_are_published'),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
