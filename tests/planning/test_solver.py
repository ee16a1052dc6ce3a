"""The optimiser against brute force on small instances; bounds; row merging; monotonicity."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.errors import InputError
from qarauyl.planning.solver import (
    CoverProblem,
    coverage_of,
    curve_bounds,
    lagrangian_bound,
    lazy_greedy,
    lp_bound,
    online_bound,
    reduce_rows,
    solve_greedy,
    solve_milp,
)


def _instance(seed: int, m: int = 30, sites: int = 6, heads: int = 3, density: float = 0.15) -> tuple:
    rng = np.random.default_rng(seed)
    n = sites * heads
    a = (rng.random((m, n)) < density).astype(np.int8)
    w = rng.random(m)
    cost = rng.integers(1, 4, n).astype(float)
    site = np.repeat(np.arange(sites), heads)
    return a, w, cost, site


def _brute(p: CoverProblem) -> float:
    n = p.a.shape[1]
    best = 0.0
    max_k = min(n, int(p.budget) if not p.by_money else n)
    for k in range(max_k + 1):
        for combo in itertools.combinations(range(n), k):
            cols = list(combo)
            if len(set(p.col_site[cols].tolist())) < k or p.spend(cols) > p.budget + 1e-9:
                continue
            best = max(best, coverage_of(p, cols))
    return best


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("by_money,budget", [(False, 2), (False, 3), (True, 4.0)])
def test_milp_is_optimal_and_bounds_hold(seed: int, by_money: bool, budget: float) -> None:
    a, w, cost, site = _instance(seed)
    p = CoverProblem(sp.csc_matrix(a), w, cost, site, budget, by_money)
    best = _brute(p)
    greedy = solve_greedy(p)
    exact = solve_milp(p, warm=greedy)
    assert exact.status == "optimal"
    assert exact.objective == pytest.approx(best, abs=1e-9)
    assert exact.gap == pytest.approx(0.0, abs=1e-9)
    # Every answer is feasible: distinct sites, within budget.
    for sol in (greedy, exact):
        assert len(set(site[sol.columns].tolist())) == len(sol.columns)
        assert p.spend(sol.columns) <= budget + 1e-9
        assert sum(sol.gains) == pytest.approx(sol.objective)
        assert coverage_of(p, sol.columns) == pytest.approx(sol.objective)
    # Bounds are bounds.
    assert greedy.upper_bound >= best - 1e-9
    assert greedy.objective <= best + 1e-9
    assert online_bound(p, greedy.columns) >= best - 1e-9
    assert lagrangian_bound(p, greedy.columns, greedy.objective) >= best - 1e-9
    lp = lp_bound(p)
    assert lp is not None and lp >= best - 1e-7


def test_greedy_takes_the_obvious_answer() -> None:
    # Column 0 covers rows 0-2 (weight 3), column 1 row 3 (weight 1), column 2 rows 0-1 on site 0 too.
    a = np.zeros((4, 3), dtype=np.int8)
    a[[0, 1, 2], 0] = 1
    a[3, 1] = 1
    a[[0, 1], 2] = 1
    p = CoverProblem(sp.csc_matrix(a), np.ones(4), np.ones(3), np.array([0, 1, 1]), 1.0)
    assert lazy_greedy(p) == [0]
    sol = solve_greedy(p)
    assert sol.columns == [0] and sol.objective == 3.0


def test_one_camera_per_site() -> None:
    a = np.eye(4, dtype=np.int8)
    p = CoverProblem(
        sp.csc_matrix(a), np.array([5.0, 4.0, 1.0, 1.0]), np.ones(4), np.array([0, 0, 1, 1]), 2.0
    )
    sol = solve_milp(p)
    assert sorted(sol.columns) == [0, 2] or sorted(sol.columns) == [0, 3]
    assert sol.objective == 6.0


def test_money_budget_prefers_the_better_single_camera() -> None:
    # A cheap small camera and an expensive big one that alone is worth more than the cheap one.
    a = np.zeros((10, 2), dtype=np.int8)
    a[0, 0] = 1
    a[1:10, 1] = 1
    p = CoverProblem(sp.csc_matrix(a), np.ones(10), np.array([1.0, 10.0]), np.array([0, 1]), 10.0, True)
    assert solve_greedy(p).columns == [1]


def test_bad_problem_sizes_are_input_errors() -> None:
    with pytest.raises(InputError):
        CoverProblem(sp.csc_matrix(np.eye(2)), np.ones(3), np.ones(2), np.array([0, 1]), 1.0)
    with pytest.raises(InputError):
        CoverProblem(sp.csc_matrix(np.eye(2)), np.ones(2), np.ones(2), np.array([1, 0]), 1.0)


@pytest.mark.parametrize("seed", range(5))
def test_merging_identical_rows_keeps_the_optimum(seed: int) -> None:
    a, w, cost, site = _instance(seed, m=20)
    # Duplicate every row twice with other weights, and mark some rows as already covered.
    a3 = np.vstack([a, a, a])
    w3 = np.concatenate([w, w * 0.5, w * 2.0])
    base = np.zeros(a3.shape[0], dtype=bool)
    base[:3] = True
    red = reduce_rows(sp.csc_matrix(a3), w3, base, cost=cost, col_site=site, budget=2.0, by_money=False)
    assert red.rows_after <= a.shape[0]
    direct = CoverProblem(sp.csc_matrix(a3[~base]), w3[~base], cost, site, 2.0)
    assert solve_milp(red.problem).objective == pytest.approx(_brute(direct))
    assert red.baseline == pytest.approx(w3[base].sum())
    assert red.total == pytest.approx(w3.sum())


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), extra=st.integers(0, 17))
def test_adding_a_camera_never_lowers_coverage(seed: int, extra: int) -> None:
    a, w, cost, site = _instance(seed)
    p = CoverProblem(sp.csc_matrix(a), w, cost, site, 18.0)
    rng = np.random.default_rng(seed)
    chosen = [int(j) for j in rng.choice(18, size=int(rng.integers(0, 10)), replace=False)]
    assert coverage_of(p, [*chosen, extra]) >= coverage_of(p, chosen) - 1e-12


@pytest.mark.parametrize("seed", range(6))
def test_curve_bounds_bound_the_optimum_for_every_k(seed: int) -> None:
    a, w, cost, site = _instance(seed, m=25, sites=5, heads=2)
    p = CoverProblem(sp.csc_matrix(a), w, cost, site, 5.0)
    order = lazy_greedy(p)
    bounds = curve_bounds(p, order, len(order))
    for k in range(len(order) + 1):
        pk = CoverProblem(sp.csc_matrix(a), w, cost, site, float(k))
        assert bounds[k] >= _brute(pk) - 1e-9
        assert bounds[k] >= coverage_of(p, order[:k]) - 1e-9
