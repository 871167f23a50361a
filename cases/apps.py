from django.apps import AppConfig


def _seed_codes(sender, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Make sure the starting coded lists exist (also after a test database flush)."""
    from cases.code_seed import load_codes
    from cases.models import Code

    load_codes(Code)


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cases.demo import load_cases
        from core import demo

        post_migrate.connect(_seed_codes, sender=self, dispatch_uid="cases.seed_codes")
        if load_cases not in demo.DEMO_LOADERS:
            demo.DEMO_LOADERS.append(load_cases)
