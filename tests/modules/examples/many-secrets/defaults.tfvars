# examples/many-secrets as a user runs it: every default (three secrets).
