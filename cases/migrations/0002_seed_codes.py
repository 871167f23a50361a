from django.db import migrations


def seed(apps, schema_editor):
    from cases.code_seed import load_codes

    load_codes(apps.get_model("cases", "Code"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
