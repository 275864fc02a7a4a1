"""Synthetic data and measurements, kept apart from the application's own code:

- generator/: a consistent synthetic portfolio written straight into the tables (load tests,
  the benchmark; `manage.py generate_portfolio`);
- demo/: the Lạng Sơn demo, households posted through the services (`manage.py seed_demo`,
  `create_demo_logins`);
- reference: the per-loan, day-by-day position calculator that checks the engine;
- bench/: the benchmark (`manage.py bench`).
"""
