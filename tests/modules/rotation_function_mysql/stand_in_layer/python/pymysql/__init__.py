# A stand-in for the PyMySQL layer in plan tests: the module only checks this file exists.
