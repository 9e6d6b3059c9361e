pytest_plugins = ["tests.support.brokers"]
