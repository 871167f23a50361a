"""Case fixtures (criteria, referred_case, allocated_case, ...) live in tests/conftest.py."""
