from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"

    def ready(self) -> None:
        from agreements.demo import load_agreements
        from core import demo

        if load_agreements not in demo.DEMO_LOADERS:
            demo.DEMO_LOADERS.append(load_agreements)
