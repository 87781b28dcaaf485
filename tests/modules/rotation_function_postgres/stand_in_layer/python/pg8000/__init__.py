# Stand-in for the PostgreSQL driver layer in plan tests: the module only checks that
# python/pg8000/__init__.py exists and zips the directory. The real layer comes from `make layer`.
