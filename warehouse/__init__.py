"""The DuckDB metrics store: schema migrations, the raw document store, versioned loads and views."""
