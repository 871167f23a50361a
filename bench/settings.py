"""Settings for the benchmark (bench/run.py): the product's own, driven by the same environment variables
(the runner sets DEBUG=0, a throwaway SECRET_KEY, ALLOWED_HOSTS=127.0.0.1 and the bench database), with the
bench-only baseline pages added to the URLconf. With DEBUG off Django caches compiled templates (the cached
loader wraps the default ones), as in production.
"""

from rjcase.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
