"""The camera simulator: a development and rehearsal tool; nothing in the product's runtime path imports it."""  # noqa: E501

from qarauyl.sim.harness import Simulator, SimulatorError, run_simulator

__all__ = ["Simulator", "SimulatorError", "run_simulator"]
