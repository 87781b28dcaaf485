# examples/api-key as a user runs it: every default.
