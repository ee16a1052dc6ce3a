"""The Turkistan demo fleet's figures: a module of its own, light enough for the CLI's option defaults."""

DEMO_CAMERAS = 1303
DEMO_CONNECTED = 1035
DEMO_PELCO_IN_TURKISTAN = 56
DEMO_SEED = 2026
DEMO_USERNAME = "admin"
# One password for every demo camera, so that the simulator can serve the whole fleet with it.
DEMO_PASSWORD = "qarauyl-demo"
