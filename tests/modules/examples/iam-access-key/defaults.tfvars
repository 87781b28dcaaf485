# examples/iam-access-key as a user runs it: every default.
