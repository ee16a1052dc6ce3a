"""Weighted maximal covering with a budget and at most one camera per site (Church & ReVelle 1974).

Pure functions over a sparse coverage matrix A (rows: demand, columns: candidate cameras; A[i, j] = 1
when camera j covers demand row i). The default answer is a lazy greedy followed by a swap local search;
`solve_milp` solves the integer programme exactly with HiGHS, warm-started from that answer. Every answer
carries the best upper bound known and the gap."""

from __future__ import annotations

import heapq
import math
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from qarauyl.errors import InputError

EPS = 1e-9


@dataclass
class CoverProblem:
    """A (reduced) covering problem. `col_site` must be non-decreasing (columns grouped by site)."""

    a: sp.csc_matrix  # (m, n) 0/1
    weight: NDArray[np.float64]  # (m,)
    cost: NDArray[np.float64]  # (n,)
    col_site: NDArray[np.int64]  # (n,)
    budget: float
    by_money: bool = False

    def __post_init__(self) -> None:
        m, n = self.a.shape
        if self.weight.shape != (m,) or self.cost.shape != (n,) or self.col_site.shape != (n,):
            raise InputError("The coverage matrix, weights, costs and sites do not have matching sizes.")
        if n and np.any(np.diff(self.col_site) < 0):
            raise InputError("The candidate columns must be grouped by site.")
        if self.budget < 0:
            raise InputError(f"The budget must be >= 0, not {self.budget:g}.")
        self._csr: sp.csr_matrix | None = None

    @property
    def csr(self) -> sp.csr_matrix:
        if self._csr is None:
            self._csr = self.a.tocsr()
        return self._csr

    @property
    def n_sites(self) -> int:
        return int(self.col_site[-1]) + 1 if self.col_site.size else 0

    def col_rows(self, j: int) -> NDArray[np.int32]:
        rows: NDArray[np.int32] = self.a.indices[self.a.indptr[j] : self.a.indptr[j + 1]]
        return rows

    def spend(self, cols: list[int] | NDArray[np.int64]) -> float:
        return float(self.cost[np.asarray(cols, dtype=np.int64)].sum()) if self.by_money else float(len(cols))

    def unit_cost(self) -> NDArray[np.float64]:
        return self.cost if self.by_money else np.ones(self.a.shape[1])


@dataclass
class Solution:
    """Chosen columns in rank order (each with its marginal gain), the objective, and what is known about
    the optimum: `upper_bound` (LP relaxation, MILP dual bound or greedy online bound) and `gap`."""

    columns: list[int]
    gains: list[float]
    objective: float
    upper_bound: float
    bound_kind: str
    method: str
    status: str
    seconds: float

    @property
    def gap(self) -> float:
        """Relative gap (upper_bound − objective) / upper_bound; 0 when the answer is proven optimal."""
        if self.upper_bound <= EPS:
            return 0.0
        return max(self.upper_bound - self.objective, 0.0) / self.upper_bound


def column_sums(a: sp.csc_matrix, v: NDArray[np.float64]) -> NDArray[np.float64]:
    """A^T v without building a transposed matrix."""
    vals = v[a.indices]
    out = np.zeros(a.shape[1])
    nz = np.diff(a.indptr) > 0
    if vals.size:
        sums = np.add.reduceat(vals, a.indptr[:-1][nz])
        out[nz] = sums
    return out


def coverage_of(problem: CoverProblem, cols: list[int] | NDArray[np.int64]) -> float:
    """Weighted demand covered by the columns (each row counted once)."""
    covered = np.zeros(problem.a.shape[0], dtype=bool)
    for j in cols:
        covered[problem.col_rows(int(j))] = True
    return float(problem.weight[covered].sum())


def _feasible(problem: CoverProblem, cols: list[int]) -> bool:
    sites = problem.col_site[np.asarray(cols, dtype=np.int64)]
    return len(set(sites.tolist())) == len(cols) and problem.spend(cols) <= problem.budget + EPS


def lazy_greedy(problem: CoverProblem, *, initial: list[int] | None = None) -> list[int]:
    """Lazy greedy (Minoux): the column with the largest marginal gain (per unit cost when the budget is
    money) that fits, until the budget or the gains run out. With a money budget the best single
    affordable column is also tried (Khuller, Moss & Naor) and the better of the two kept."""
    a, w = problem.a, problem.weight
    covered = np.zeros(a.shape[0], dtype=bool)
    chosen: list[int] = list(initial or [])
    site_used = np.zeros(problem.n_sites, dtype=bool)
    for j in chosen:
        covered[problem.col_rows(j)] = True
        site_used[problem.col_site[j]] = True
    spent = problem.spend(chosen)
    unit = problem.unit_cost()
    gains = column_sums(a, np.where(covered, 0.0, w))
    with np.errstate(divide="ignore"):
        keys = np.where(unit > 0, gains / np.where(unit > 0, unit, 1.0), np.where(gains > 0, np.inf, 0.0))
    heap = [(-float(keys[j]), int(j)) for j in np.flatnonzero(gains > EPS)]
    heapq.heapify(heap)
    cheapest = float(unit.min()) if unit.size else 0.0
    while heap and spent + cheapest <= problem.budget + EPS:
        _, j = heapq.heappop(heap)
        if site_used[problem.col_site[j]] or spent + unit[j] > problem.budget + EPS:
            continue  # never feasible again: sites stay used and the budget only shrinks
        rows = problem.col_rows(j)
        g = float(w[rows[~covered[rows]]].sum())
        if g <= EPS:
            continue
        key = g / unit[j] if unit[j] > 0 else math.inf
        if heap and key < -heap[0][0] - EPS:
            heapq.heappush(heap, (-key, j))
            continue
        chosen.append(j)
        covered[rows] = True
        site_used[problem.col_site[j]] = True
        spent += unit[j]
    if problem.by_money and not initial:
        affordable = np.flatnonzero(problem.cost <= problem.budget + EPS)
        if affordable.size:
            single_gain = column_sums(a, w)[affordable]
            best = int(affordable[int(np.argmax(single_gain))])
            if float(single_gain.max()) > coverage_of(problem, chosen) + EPS:
                return [best]
    return chosen


def local_search(problem: CoverProblem, start: list[int], *, time_limit: float = 30.0) -> list[int]:
    """Best-improvement 1-swap local search: replace one chosen column by another (any site not used by
    the rest, within the budget) while that raises coverage; adds a column when the budget allows.
    Each evaluation is exact: gain(j' | S − j) = gain(j' | S) + weight of rows only j covers that j'
    covers too."""
    a, csr, w = problem.a, problem.csr, problem.weight
    n = a.shape[1]
    unit = problem.unit_cost()
    chosen = list(start)
    count = np.zeros(a.shape[0], dtype=np.int32)
    for j in chosen:
        count[problem.col_rows(j)] += 1
    deadline = time.monotonic() + time_limit
    while time.monotonic() < deadline:
        gains = column_sums(a, np.where(count == 0, w, 0.0))
        site_used = np.zeros(problem.n_sites, dtype=bool)
        site_used[problem.col_site[np.asarray(chosen, dtype=np.int64)]] = True
        spent = problem.spend(chosen)
        free_site = ~site_used[problem.col_site]
        # Adding is a swap with nothing: try it first.
        add_ok = free_site & (spent + unit <= problem.budget + EPS) & (gains > EPS)
        if add_ok.any():
            j_add = int(np.argmax(np.where(add_ok, gains, -1.0)))
            chosen.append(j_add)
            count[problem.col_rows(j_add)] += 1
            continue
        best_delta, best_pair = EPS * max(1.0, float(w.sum())), None
        for j in chosen:
            rows = problem.col_rows(j)
            uniq = rows[count[rows] == 1]
            loss = float(w[uniq].sum())
            starts, ends = csr.indptr[uniq], csr.indptr[uniq + 1]
            lens = ends - starts
            idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
            extra = np.bincount(csr.indices[idx], weights=np.repeat(w[uniq], lens), minlength=n)
            delta = gains + extra - loss
            ok = (free_site | (problem.col_site == problem.col_site[j])) & (
                spent - unit[j] + unit <= problem.budget + EPS
            )
            ok[j] = False
            if not ok.any():
                continue
            k = int(np.argmax(np.where(ok, delta, -np.inf)))
            if delta[k] > best_delta:
                best_delta, best_pair = float(delta[k]), (j, k)
        if best_pair is None:
            break
        j_out, j_in = best_pair
        chosen[chosen.index(j_out)] = j_in
        count[problem.col_rows(j_out)] -= 1
        count[problem.col_rows(j_in)] += 1
    return chosen


def rank_by_gain(problem: CoverProblem, cols: list[int]) -> tuple[list[int], list[float]]:
    """Orders a chosen set greedily (largest marginal gain first) and returns each column's marginal gain,
    so the gains add up to the set's coverage and the first cameras are the ones to install first."""
    covered = np.zeros(problem.a.shape[0], dtype=bool)
    left = list(cols)
    order: list[int] = []
    gains: list[float] = []
    while left:
        vals = [float(problem.weight[r[~covered[r]]].sum()) for r in (problem.col_rows(j) for j in left)]
        k = int(np.argmax(vals))
        j = left.pop(k)
        order.append(j)
        gains.append(vals[k])
        covered[problem.col_rows(j)] = True
    return order, gains


def online_bound(problem: CoverProblem, cols: list[int]) -> float:
    """Upper bound on the optimum from a solution S (Leskovec et al. 2007, submodularity):
    f(OPT) ≤ f(S) + Σ_{e ∈ OPT} gain(e | S). With a count budget k, OPT has at most k columns on distinct
    sites, so the sum is at most the k largest per-site best gains; with money, the fractional knapsack
    of gains against costs bounds it."""
    f_s = coverage_of(problem, cols)
    covered = np.zeros(problem.a.shape[0], dtype=bool)
    for j in cols:
        covered[problem.col_rows(j)] = True
    gains = column_sums(problem.a, np.where(covered, 0.0, problem.weight))
    if gains.size == 0:
        return f_s
    if not problem.by_money:
        starts = np.flatnonzero(np.r_[True, np.diff(problem.col_site) > 0])
        per_site = np.maximum.reduceat(gains, starts)
        k = math.floor(problem.budget + EPS)
        return f_s + float(np.sort(per_site)[::-1][:k].sum())
    cost = problem.cost
    free = cost <= EPS
    total = float(gains[free].sum())
    paid = np.flatnonzero(~free & (cost <= problem.budget + EPS))
    order = paid[np.argsort(-gains[paid] / cost[paid], kind="stable")]
    room = problem.budget
    for j in order:
        if gains[j] <= 0:
            break
        take = min(1.0, room / cost[j])
        total += take * gains[j]
        room -= take * cost[j]
        if room <= EPS:
            break
    return f_s + total


def curve_bounds(
    problem: CoverProblem, order: list[int], max_k: int, *, samples: int = 40
) -> NDArray[np.float64]:
    """Upper bounds on the best coverage with k = 0..max_k columns (count budget), from the online bound
    at prefixes of a greedy order: f(OPT_k) ≤ f(S_i) + the k largest per-site gains given S_i, for every
    prefix S_i; one pass over the matrix per sampled prefix gives the bound for every k at once."""
    out = np.full(max_k + 1, np.inf)
    out[0] = 0.0
    if problem.a.shape[1] == 0:
        return np.zeros(max_k + 1)
    starts = np.flatnonzero(np.r_[True, np.diff(problem.col_site) > 0])
    covered = np.zeros(problem.a.shape[0], dtype=bool)
    f_s = 0.0
    picks = sorted(set(np.linspace(0, len(order), num=min(len(order), samples) + 1).astype(int).tolist()))
    done = 0
    for i in picks:
        for j in order[done:i]:
            rows = problem.col_rows(j)
            f_s += float(problem.weight[rows[~covered[rows]]].sum())
            covered[rows] = True
        done = i
        gains = column_sums(problem.a, np.where(covered, 0.0, problem.weight))
        per_site = np.sort(np.maximum.reduceat(gains, starts))[::-1][:max_k]
        best = np.zeros(max_k + 1)
        best[1 : per_site.size + 1] = np.cumsum(per_site)
        best[per_site.size + 1 :] = best[per_site.size]
        out = np.minimum(out, f_s + best)
    return out


def _relaxed_pick(problem: CoverProblem, value: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    """max Σ value_j x_j over the budget and one-per-site constraints with 0 ≤ x ≤ 1 (the knapsack part
    relaxed when the budget is money): its optimum and the x that reaches it."""
    x = np.zeros(value.size)
    if value.size == 0:
        return 0.0, x
    if not problem.by_money:
        starts = np.flatnonzero(np.r_[True, np.diff(problem.col_site) > 0])
        best_val = np.maximum.reduceat(value, starts)
        k = math.floor(problem.budget + EPS)
        pos = np.flatnonzero(best_val > 0)
        top = pos[np.argsort(-best_val[pos], kind="stable")[:k]]
        # The best column within each chosen site.
        owner = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, value.size]))
        is_best = value >= best_val[owner] - 1e-12
        first_best = np.full(starts.size, -1)
        cand = np.flatnonzero(is_best)
        first_best[owner[cand[::-1]]] = cand[::-1]
        x[first_best[top]] = 1.0
        return float(best_val[top].sum()), x
    cost = problem.cost
    free = (cost <= EPS) & (value > 0)
    x[free] = 1.0
    total = float(value[free].sum())
    paid = np.flatnonzero(~free & (cost <= problem.budget + EPS) & (value > 0))
    order = paid[np.argsort(-value[paid] / cost[paid], kind="stable")]
    room = problem.budget
    for j in order:
        take = min(1.0, room / cost[j])
        x[j] = take
        total += take * value[j]
        room -= take * cost[j]
        if room <= EPS:
            break
    return total, x


def lagrangian_bound(
    problem: CoverProblem, cols: list[int], lower: float, *, time_limit: float = 5.0, iterations: int = 1000
) -> float:
    """Upper bound by Lagrangian relaxation of "row i is covered only if a chosen column covers it":
    L(u) = Σ_i (w_i − u_i) + max{Σ_j x_j Σ_i a_ij u_i : budget, one per site}, 0 ≤ u ≤ w. Any u gives a
    bound; u = w on the rows the solution leaves uncovered gives the online bound, and projected
    subgradient steps (Polyak, towards the known lower bound) tighten it towards the LP bound.
    Each step costs one pass over the matrix."""
    a, w = problem.a, problem.weight
    csr = problem.csr
    covered = np.zeros(a.shape[0], dtype=bool)
    for j in cols:
        covered[problem.col_rows(j)] = True
    # Two natural starts: the online bound's u, and u = w (the k best single columns); take the better.
    u_online = np.where(covered, 0.0, w)
    starts = []
    for u0 in (u_online, w.copy()):
        starts.append((float((w - u0).sum()) + _relaxed_pick(problem, column_sums(a, u0))[0], u0))
    u = min(starts, key=lambda s: s[0])[1]
    best = math.inf
    theta = 1.0
    stall = 0
    deadline = time.monotonic() + time_limit
    for _ in range(iterations):
        value = column_sums(a, u)
        pick_val, x = _relaxed_pick(problem, value)
        bound = float((w - u).sum()) + pick_val
        if bound < best - 1e-9 * max(best, 1.0) if math.isfinite(best) else True:
            best = bound
            stall = 0
        else:
            stall += 1
            if stall >= 10:
                theta /= 2.0
                stall = 0
        if best - lower <= 1e-9 * max(abs(best), 1.0) or time.monotonic() > deadline or theta < 1e-5:
            break
        # Subgradient in u: (number of picked columns covering i) − 1.
        g = csr @ x - 1.0
        g = np.where(((u <= 0) & (g < 0)) | ((u >= w) & (g > 0)), 0.0, g)
        norm = float(g @ g)
        if norm <= 1e-12:
            break
        u = np.clip(u - theta * (bound - lower) / norm * g, 0.0, w)
    return max(best, lower)


def iterated_local_search(
    problem: CoverProblem, start: list[int], *, iterations: int = 300, time_limit: float = 10.0, seed: int = 1
) -> list[int]:
    """Escapes the 1-swap local optimum: drop a random share of the cameras, add one of the best remaining
    columns at random, refill greedily, swap again; keep the result when it covers more. Deterministic
    for a seed."""
    rng = np.random.default_rng(seed)
    best = list(start)
    best_val = coverage_of(problem, best)
    deadline = time.monotonic() + time_limit
    stall = 0
    for _ in range(iterations):
        # 80 kicks in a row without a better answer: the neighbourhood is exhausted in practice.
        if len(best) < 2 or time.monotonic() > deadline or stall >= 80:
            break
        stall += 1
        drop = int(rng.integers(1, max(2, (len(best) + 1) // 2) + 1))
        keep = [int(j) for j in rng.permutation(best)[drop:]]
        # Kick: one of the 20 best feasible columns (given what is kept), drawn at random, then greedy.
        covered = np.zeros(problem.a.shape[0], dtype=bool)
        for j in keep:
            covered[problem.col_rows(j)] = True
        gains = column_sums(problem.a, np.where(covered, 0.0, problem.weight))
        used = np.zeros(problem.n_sites, dtype=bool)
        used[problem.col_site[np.asarray(keep, dtype=np.int64)]] = True
        spent = problem.spend(keep)
        ok = (~used[problem.col_site]) & (spent + problem.unit_cost() <= problem.budget + EPS) & (gains > EPS)
        pool = np.flatnonzero(ok)
        if pool.size:
            top = pool[np.argsort(-gains[pool], kind="stable")[:20]]
            keep.append(int(rng.choice(top)))
        refill = lazy_greedy(problem, initial=keep)
        cand = local_search(problem, refill, time_limit=max(deadline - time.monotonic(), 0.1))
        val = coverage_of(problem, cand)
        if val > best_val + EPS * max(best_val, 1.0):
            best, best_val = cand, val
            stall = 0
    return best


def solve_greedy(
    problem: CoverProblem, *, time_limit: float = 30.0, bound_time: float = 1.0, ils_time: float = 5.0
) -> Solution:
    """The default: lazy greedy, swap local search, a short iterated local search, and a Lagrangian bound
    started from the online bound. The search gets about 40 times what the first greedy + swaps took
    (at least half a second, at most `ils_time`): enough kicks on small plans, bounded on big ones."""
    t0 = time.monotonic()
    greedy = lazy_greedy(problem)
    cols = local_search(problem, greedy, time_limit=time_limit)
    if ils_time > 0:
        first = time.monotonic() - t0
        budget = min(max(40.0 * first, 0.5), ils_time, time_limit)
        cols = iterated_local_search(problem, cols, time_limit=budget)
    order, gains = rank_by_gain(problem, cols)
    obj = float(sum(gains))
    # The online bound holds for every prefix of the greedy order; an early prefix is often tighter.
    ub = online_bound(problem, order)
    for k in sorted(set(np.linspace(0, len(greedy), num=min(len(greedy), 12) + 1).astype(int).tolist())):
        ub = min(ub, online_bound(problem, greedy[:k]))
    kind = "greedy-online"
    if bound_time > 0 and ub > obj + EPS:
        lag = lagrangian_bound(problem, order, obj, time_limit=bound_time)
        if lag < ub:
            ub, kind = lag, "lagrangian"
    return Solution(
        order, gains, obj, max(ub, obj), kind, "greedy+swap+ils", "heuristic", time.monotonic() - t0
    )


def _highs_model(problem: CoverProblem, *, integer: bool) -> highspy.HighsLp:
    a = problem.a.astype(np.float64)
    m, n = a.shape
    n_sites = problem.n_sites
    budget_row = sp.csr_matrix(problem.unit_cost().reshape(1, n))
    site_rows = sp.csr_matrix((np.ones(n), (problem.col_site, np.arange(n))), shape=(n_sites, n))
    top = sp.hstack([-a, sp.identity(m, format="csc")], format="csc")
    bottom = sp.hstack([sp.vstack([budget_row, site_rows]), sp.csr_matrix((1 + n_sites, m))], format="csc")
    mat = sp.vstack([top, bottom], format="csc")
    mat.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n + m
    lp.num_row_ = m + 1 + n_sites
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n), problem.weight])
    lp.col_lower_ = np.zeros(n + m)
    lp.col_upper_ = np.ones(n + m)
    inf = highspy.kHighsInf
    lp.row_lower_ = np.full(m + 1 + n_sites, -inf)
    lp.row_upper_ = np.concatenate([np.zeros(m), [problem.budget], np.ones(n_sites)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data.astype(np.float64)
    lp.a_matrix_.num_col_ = n + m
    lp.a_matrix_.num_row_ = m + 1 + n_sites
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [highspy.HighsVarType.kContinuous] * m
    return lp


def _highs(time_limit: float, threads: int = 1) -> highspy.Highs:
    # HiGHS prints a copyright banner from C++ when constructed, before any option can silence it;
    # it would land in the middle of the CLI's output, so stdout is pointed at /dev/null meanwhile.
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", threads)
    h.setOptionValue("mip_rel_gap", 1e-6)
    return h


def lp_bound(problem: CoverProblem, *, time_limit: float = 60.0) -> float | None:
    """The LP relaxation's optimum (an upper bound on the integer optimum), or None if not reached."""
    h = _highs(time_limit)
    h.passModel(_highs_model(problem, integer=False))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(h.getInfo().objective_function_value)


def solve_milp(problem: CoverProblem, *, time_limit: float = 60.0, warm: Solution | None = None) -> Solution:
    """Exact maximal covering by HiGHS branch and bound, built directly from the sparse matrix and
    warm-started from the greedy answer. Within the time limit it returns the proven optimum; past it,
    the best solution found (never worse than the warm start) and HiGHS's dual bound."""
    t0 = time.monotonic()
    warm = warm or solve_greedy(problem, time_limit=min(10.0, time_limit))
    m, n = problem.a.shape
    if n == 0 or m == 0:
        return Solution([], [], 0.0, 0.0, "trivial", "milp", "optimal", time.monotonic() - t0)
    h = _highs(max(time_limit - (time.monotonic() - t0), 1.0))
    h.passModel(_highs_model(problem, integer=True))
    x0 = np.zeros(n + m)
    x0[np.asarray(warm.columns, dtype=np.int64)] = 1.0
    covered = np.zeros(m, dtype=bool)
    for j in warm.columns:
        covered[problem.col_rows(j)] = True
    x0[n:] = covered
    sol = highspy.HighsSolution()
    sol.col_value = x0.tolist()
    h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    values = np.asarray(h.getSolution().col_value[:n]) if info.primal_solution_status else np.zeros(n)
    cols = [int(j) for j in np.flatnonzero(values > 0.5)]
    if not cols or not _feasible(problem, cols) or coverage_of(problem, cols) < warm.objective - EPS:
        cols = list(warm.columns)
    order, gains = rank_by_gain(problem, cols)
    obj = float(sum(gains))
    optimal = status == highspy.HighsModelStatus.kOptimal
    dual = float(info.mip_dual_bound)
    ub = obj if optimal else (min(dual, warm.upper_bound) if math.isfinite(dual) else warm.upper_bound)
    return Solution(
        order,
        gains,
        obj,
        max(ub, obj),
        "milp" if optimal else "milp-dual",
        "milp",
        "optimal" if optimal else h.modelStatusToString(status),
        time.monotonic() - t0,
    )


@dataclass
class Reduction:
    """How the original demand rows map onto the merged rows of the problem handed to the solver."""

    problem: CoverProblem
    baseline: float  # weight already covered by the existing cameras
    total: float  # all demand weight
    uncoverable: float  # weight no candidate and no existing camera can cover
    rows_before: int
    rows_after: int


def reduce_rows(
    a: sp.csc_matrix,
    weight: NDArray[np.float64],
    baseline_covered: NDArray[np.bool_],
    *,
    cost: NDArray[np.float64],
    col_site: NDArray[np.int64],
    budget: float,
    by_money: bool,
    seed: int = 7,
) -> Reduction:
    """Drops rows the existing cameras already cover and rows nothing can cover, then merges rows with
    identical column sets (their weights add up): the optimum is unchanged and the matrix is far smaller
    (neighbouring grid points usually see the same cameras)."""
    csr = a.tocsr()
    degree = np.diff(csr.indptr)
    keep = (~baseline_covered) & (degree > 0) & (weight > 0)
    total = float(weight.sum())
    baseline = float(weight[baseline_covered].sum())
    uncoverable = float(weight[(~baseline_covered) & (degree == 0)].sum())
    sub = csr[np.flatnonzero(keep)]
    sub.sort_indices()
    w = weight[keep]
    if sub.shape[0]:
        rng = np.random.default_rng(seed)
        h1 = rng.integers(0, 2**63, size=a.shape[1], dtype=np.uint64)
        h2 = rng.integers(0, 2**63, size=a.shape[1], dtype=np.uint64)
        with np.errstate(over="ignore"):
            k1 = np.add.reduceat(h1[sub.indices], sub.indptr[:-1])
            k2 = np.add.reduceat(h2[sub.indices], sub.indptr[:-1])
        keys = np.stack([k1, k2, np.diff(sub.indptr).astype(np.uint64)], axis=1)
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        merged_w = np.bincount(inverse.ravel(), weights=w, minlength=first.size).astype(np.float64)
        merged = sub[first]
    else:
        merged_w = w
        merged = sub
    problem = CoverProblem(merged.tocsc(), merged_w, cost, col_site, budget, by_money)
    return Reduction(problem, baseline, total, uncoverable, int(a.shape[0]), int(merged.shape[0]))
