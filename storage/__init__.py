"""Storage: SQLAlchemy models, the unit of work and its repositories, engine, migrations."""
