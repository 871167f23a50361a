"""The pieces of the benchmark runner (bench/run.py): timing maths and the results table, the gunicorn server,
the HTTP client, signing in, the SQL of a page, the dataset's landmarks and the jobs timed in a separate process."""
