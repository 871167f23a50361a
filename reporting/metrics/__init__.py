"""The figures behind the dashboard and the compliance report, worked out by the database.

Every figure is counted per service (grouped in SQL), so that figures for several services can be
suppressed as the services' own figures are (reporting.disclosure).
"""

from reporting.metrics.scope import Scope

__all__ = ["Scope"]
