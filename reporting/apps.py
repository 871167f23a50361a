from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        from core import demo
        from reporting.demo import load_returns

        if load_returns not in demo.DEMO_LOADERS:
            demo.DEMO_LOADERS.append(load_returns)
