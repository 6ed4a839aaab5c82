pytest_plugins = ["tests.pgserver"]
