"""The names both sides of the broker agree on: light enough for the CLI's option defaults."""

TASK = "qarauyl.probe"
DEFAULT_QUEUE = "qarauyl.probe"
