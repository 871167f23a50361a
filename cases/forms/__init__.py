"""Forms of the cases app, one module per area. Forms validate input only; services do the work."""
