"""Against PySAL spopt's MCLP (Church & ReVelle, solved by CBC through PuLP) on the same coverage matrices.

spopt is only needed here, not by Qarauyl:  .venv/bin/pip install spopt 'pulp<4'
spopt's MCLP has no "one camera per site" constraint, so every column is its own site in these instances
(the two formulations are then identical). Matrices come from the real pipeline (visibility included,
demand rows merged) around Turkistan's historic centre, plus random set systems. Prints, per instance,
both objectives, each one's time and, where CBC is stopped by its time limit, our gap to the best bound.

    .venv/bin/python bench/bench_planning_spopt.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import scipy.sparse as sp

from qarauyl.planning.solver import CoverProblem, solve_greedy, solve_milp

try:
    import pulp
    from spopt.locate import MCLP
except ImportError:  # pragma: no cover - the message is the point
    sys.exit("spopt is not installed: .venv/bin/pip install spopt 'pulp<4'  (benchmark only)")


def from_pipeline(sites: int, seed: int) -> tuple[sp.csc_matrix, np.ndarray]:
    """A real coverage matrix: the demo layers' demand, `sites` generated candidate sites near the
    Yasawi mausoleum × 8 headings × one 4 MP model; rows merged; columns become independent sites."""
    import tempfile
    from pathlib import Path

    from qarauyl.planning import DEFAULT_MODELS, demo_layers, prepare_scene, read_layer
    from qarauyl.planning.analyses import _problem

    with tempfile.TemporaryDirectory() as tmp:
        demo_layers(tmp)
        layers = [read_layer(p) for p in sorted(Path(tmp).glob("*.geojson"))]
    scene = prepare_scene(
        layers, models=DEFAULT_MODELS[1:2], step_m=10.0, headings=8, candidate_spacing_m=60.0
    )
    # Keep the sites nearest to the centre (the dense historic quarter).
    lat = np.array([s.latitude for s in scene.sites])
    lon = np.array([s.longitude for s in scene.sites])
    rng = np.random.default_rng(seed)
    near = np.argsort((lat - 43.2930) ** 2 + ((lon - 68.2717) * 0.73) ** 2)[: sites * 2]
    scene.sites = [scene.sites[i] for i in np.sort(rng.choice(near, size=sites, replace=False))]
    problem, _, _ = _problem(scene, 1.0, False, "none")
    return problem.a, problem.weight


def random_matrix(m: int, n: int, density: float, seed: int) -> tuple[sp.csc_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = sp.random(m, n, density=density, random_state=rng, format="csc")
    a.data[:] = 1
    return a.astype(np.int8).tocsc(), rng.exponential(1.0, m)


def run_spopt(a: sp.csc_matrix, w: np.ndarray, p: int, time_limit: float) -> tuple[float, float, str]:
    cost = np.where(a.toarray() > 0, 0.0, 2.0)  # covered ⇔ cost ≤ radius 1
    t0 = time.monotonic()
    model = MCLP.from_cost_matrix(cost, w, service_radius=1.0, p_facilities=p)
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, threads=1))
    seconds = time.monotonic() - t0
    # sol_status tells "optimal" (1) from "feasible, stopped by the time limit" (2); status does not.
    status = {1: "Optimal", 2: "Feasible"}.get(model.problem.sol_status, pulp.LpStatus[model.problem.status])
    chosen = [j for j, v in enumerate(model.fac_vars) if v.value() is not None and v.value() > 0.5]
    covered = np.zeros(a.shape[0], dtype=bool)
    for j in chosen:
        covered[a.indices[a.indptr[j] : a.indptr[j + 1]]] = True
    return float(w[covered].sum()), seconds, status


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cases: list[tuple[str, sp.csc_matrix, np.ndarray, int]] = []
    for m, n, dens, p in (
        [(300, 60, 0.05, 5)]
        if args.quick
        else [(300, 60, 0.05, 5), (1000, 150, 0.03, 10), (3000, 400, 0.01, 20), (8000, 1000, 0.004, 30)]
    ):
        a, w = random_matrix(m, n, dens, seed=m)
        cases.append((f"random {m}×{n}", a, w, p))
    for sites, p in [(25, 5)] if args.quick else [(25, 5), (60, 10), (150, 20), (600, 40)]:
        a, w = from_pipeline(sites, seed=sites)
        cases.append((f"Turkistan {a.shape[0]}×{a.shape[1]}", a, w, p))
    limit = 30.0 if args.quick else 120.0
    print(
        f"{'instance':<24} {'p':>3} {'spopt obj':>11} {'spopt s':>8} {'status':>10} "
        f"{'greedy obj':>11} {'greedy s':>8} {'milp obj':>11} {'milp s':>8} {'milp':>9} {'gap':>7}"
    )
    agree = True
    for name, a, w, p in cases:
        problem = CoverProblem(a, w, np.ones(a.shape[1]), np.arange(a.shape[1], dtype=np.int64), float(p))
        g = solve_greedy(problem)
        e = solve_milp(problem, time_limit=limit, warm=g)
        s_obj, s_sec, s_status = run_spopt(a, w, p, limit)
        both_optimal = e.status == "optimal" and s_status == "Optimal"
        if both_optimal and abs(s_obj - e.objective) > 1e-6 * max(1.0, e.objective):
            agree = False
        print(
            f"{name:<24} {p:>3} {s_obj:>11.4f} {s_sec:>8.2f} {s_status:>10} "
            f"{g.objective:>11.4f} {g.seconds:>8.2f} "
            f"{e.objective:>11.4f} {e.seconds:>8.2f} {e.status[:9]:>9} {e.gap:>7.2%}"
        )
    print("equal objective wherever both are optimal:", "yes" if agree else "NO")


if __name__ == "__main__":
    main()
