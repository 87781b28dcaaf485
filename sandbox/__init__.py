"""Local AWS sandbox and offline Terraform tooling for tests and `make demo` (never shipped)."""
