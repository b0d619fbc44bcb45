from django.apps import AppConfig


class AkirunoConfig(AppConfig):
    name = "akiruno"
    verbose_name = "基盤"

    def ready(self) -> None:
        from django.core import checks

        from .client_address import check_trusted_proxies
        from .login_audit import connect_receivers
        from .login_audit import register_rules as register_audit_rules
        from .sessions import connect_receivers as connect_session_receivers
        from .tokens import register_rules

        register_rules()
        register_audit_rules()
        checks.register(check_trusted_proxies)
        connect_receivers()
        connect_session_receivers()
