from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"

    def ready(self) -> None:
        from core import demo
        from risk.demo import load_risk

        if load_risk not in demo.DEMO_LOADERS:
            demo.DEMO_LOADERS.append(load_risk)
