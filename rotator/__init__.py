"""AWS Secrets Manager rotation function (see README.md, "How rotation works")."""
