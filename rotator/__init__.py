"""AWS Secrets Manager rotation function (see docs/how-rotation-works.md)."""
