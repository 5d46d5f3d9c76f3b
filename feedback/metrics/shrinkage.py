"""Fair rankings: NPS of teams and people shrunk toward their department's (empirical Bayes).

A small team's raw NPS swings wildly: 3 promoters out of 3 is +100, and it tops any league table
by luck alone. Here each unit's NPS is pulled toward its department's by as much as its sample is
too small to be believed, the way Efron & Morris (1975) shrank batting averages.

The method (pure functions on counts; no database):
- each respondent scores x = +1 (promoter), 0 (passive) or -1 (detractor); a unit's raw NPS (shown)
  is the mean (P_i - D_i) / n_i (x 100 on the page);
- each unit first gets the adjusted-Wald pseudo-answers of `cxloop.core.stats` (3/4 promoter, 3/2
  passive, 3/4 detractor): n'_i = n_i + 3, P'_i = P_i + 3/4, D'_i = D_i + 3/4, and its adjusted NPS
  m'_i = (P'_i - D'_i) / n'_i = (P_i - D_i) / n'_i. So no unit's answers have no spread: a department
  whose every answer is a promoter (or a detractor) is not taken as measured without error;
- the within-department variance of one answer, pooled over the department's units:
  s^2 = sum_i (P'_i + D'_i - n'_i m'_i^2) / (N' - k)  (N' = sum n'_i, k units with answers);
  the sampling variance of m'_i is v_i = s^2 / n'_i;
- the department's NPS M = sum_i n'_i m'_i / N' = sum_i (P_i - D_i) / N' (the fixed-effect mean);
- the between-unit variance tau^2 by the method of moments (DerSimonian & Laird 1986):
  W_i = 1 / v_i, Q = sum_i W_i (m'_i - M)^2, tau^2 = max(0, (Q - (k - 1)) / (sum W - sum W^2 / sum W));
- the shrunken estimate est_i = w_i m'_i + (1 - w_i) M, with w_i = tau^2 / (tau^2 + v_i);
- its variance var_i = w_i v_i + (1 - w_i)^2 Var(M) + 2 / (k - 3) (1 - w_i)^2 (m'_i - M)^2, with
  Var(M) = sum_i n'_i^2 (tau^2 + v_i) / N'^2: the posterior variance, the uncertainty of the
  department's mean, and that of the shrinkage itself (Morris 1983; the last term only when k > 3),
  at most v_i (the shrunken figure is never less certain than the raw one);
  the 95 % interval is est_i +- 1.96 sqrt(var_i), kept within -100..100;
- the probability that unit A truly beats unit B, under the normal approximation:
  P(A > B) = Phi((est_A - est_B) / sqrt(var_A + var_B)).

A department with one unit, or whose units differ no more than chance (tau^2 = 0), shrinks every unit
all the way to the department's NPS: then no ranking inside it is better than a coin toss, and the
probabilities say so.

References: DerSimonian, R. & Laird, N. (1986) "Meta-analysis in clinical trials", Controlled
Clinical Trials 7, 177-188; Efron, B. & Morris, C. (1975) "Data analysis using Stein's estimator and
its generalizations", JASA 70, 311-319; Morris, C. (1983) "Parametric empirical Bayes inference",
JASA 78, 47-55.
"""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from cxloop.core.stats import PSEUDO_DETRACTORS, PSEUDO_PASSIVES, PSEUDO_PROMOTERS, Z95

# The adjusted-Wald pseudo-answers of each unit (cxloop.core.stats): 3/4 promoter, 3/2 passive, 3/4 detractor.
PSEUDO_ANSWERS = PSEUDO_PROMOTERS + PSEUDO_PASSIVES + PSEUDO_DETRACTORS


@dataclass(frozen=True)
class Unit:
    """One team or person: its department and its NPS counts."""

    key: Hashable
    group: Hashable  # the department it is shrunk toward
    n: int
    promoters: int
    detractors: int

    @property
    def raw(self) -> float | None:
        """The raw NPS on -1..1, or None without answers."""
        return (self.promoters - self.detractors) / self.n if self.n else None


@dataclass(frozen=True)
class Shrunk:
    """A unit's shrunken NPS (on -100..100, as shown), its standard deviation and interval."""

    key: Hashable
    group: Hashable
    n: int
    raw: float | None  # the raw NPS, -100..100
    estimate: float | None  # the shrunken NPS, -100..100; None without answers
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    weight: float | None  # w_i: how much of its own raw NPS the estimate keeps (0..1)
    group_nps: float | None  # M, the department's NPS
    tau: float | None  # sqrt(tau^2): the spread of true NPS between the department's units


@dataclass(frozen=True)
class Pooled:
    """What a department's units share: M, Var(M), s^2 and tau^2 (on the -1..1 scale)."""

    mean: float
    mean_variance: float
    within_variance: float
    tau2: float
    units: int  # k, the units with answers


def adjusted(unit: Unit) -> tuple[float, float]:
    """A unit's adjusted-Wald figures (-1..1 scale): its NPS m'_i = (P_i - D_i) / (n_i + 3) and the
    within sum of squares of its answers with the pseudo-answers, P'_i + D'_i - n'_i m'_i^2."""
    n = unit.n + PSEUDO_ANSWERS
    mean = (unit.promoters - unit.detractors) / n
    return mean, unit.promoters + unit.detractors + PSEUDO_PROMOTERS + PSEUDO_DETRACTORS - n * mean**2


def pooled(units: list[Unit]) -> Pooled | None:
    """The department's mean, within variance and between-unit variance (DerSimonian-Laird)."""
    answered = [unit for unit in units if unit.n > 0]
    if not answered:
        return None
    k = len(answered)
    total = sum(unit.n for unit in answered) + PSEUDO_ANSWERS * k  # N', with the pseudo-answers
    mean = sum(unit.promoters - unit.detractors for unit in answered) / total
    # Pooled over the units' answers with their pseudo-answers: never 0, even when every answer
    # of the department is alike (all promoters, or all detractors).
    within = sum(adjusted(unit)[1] for unit in answered) / (total - k)
    tau2 = _tau2(answered, mean=mean, within=within) if k > 1 else 0.0
    sizes = [unit.n + PSEUDO_ANSWERS for unit in answered]
    mean_variance = sum(size**2 * tau2 + size * within for size in sizes) / total**2
    return Pooled(mean=mean, mean_variance=mean_variance, within_variance=within, tau2=tau2, units=k)


def _tau2(units: list[Unit], *, mean: float, within: float) -> float:
    """DerSimonian-Laird's method-of-moments between-unit variance, floored at 0."""
    weights = [(unit.n + PSEUDO_ANSWERS) / within for unit in units]
    q = sum(weight * (adjusted(unit)[0] - mean) ** 2 for weight, unit in zip(weights, units, strict=True))
    total = sum(weights)
    c = total - sum(weight**2 for weight in weights) / total
    return max(0.0, (q - (len(units) - 1)) / c) if c > 0 else 0.0


def _shrink_one(unit: Unit, shared: Pooled | None) -> Shrunk:
    if shared is None or unit.n == 0 or unit.raw is None:
        group_nps = None if shared is None else 100 * shared.mean
        return Shrunk(unit.key, unit.group, unit.n, None, None, None, None, None, None, group_nps, None)
    own = adjusted(unit)[0]
    v = shared.within_variance / (unit.n + PSEUDO_ANSWERS)
    weight = shared.tau2 / (shared.tau2 + v)
    estimate = weight * own + (1 - weight) * shared.mean
    variance = weight * v + (1 - weight) ** 2 * shared.mean_variance
    if shared.units > 3:  # Morris's allowance for tau^2 itself being estimated from k units
        variance += 2 / (shared.units - 3) * (1 - weight) ** 2 * (own - shared.mean) ** 2
    # With few units that allowance can exceed the raw figure's own variance: never less sure than raw.
    variance = min(variance, v)
    sd = math.sqrt(max(variance, 0.0))
    return Shrunk(
        key=unit.key,
        group=unit.group,
        n=unit.n,
        raw=100 * unit.raw,
        estimate=100 * estimate,
        sd=100 * sd,
        ci_low=100 * max(-1.0, estimate - Z95 * sd),
        ci_high=100 * min(1.0, estimate + Z95 * sd),
        weight=weight,
        group_nps=100 * shared.mean,
        tau=100 * math.sqrt(shared.tau2),
    )


def shrink(units: Iterable[Unit]) -> dict[Hashable, Shrunk]:
    """Every unit's shrunken NPS, each toward its own group's (department's), by key."""
    by_group: dict[Hashable, list[Unit]] = defaultdict(list)
    for unit in units:
        by_group[unit.group].append(unit)
    found: dict[Hashable, Shrunk] = {}
    for members in by_group.values():
        shared = pooled(members)
        for unit in members:
            found[unit.key] = _shrink_one(unit, shared)
    return found


def normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def probability_beats(a: Shrunk, b: Shrunk) -> float | None:
    """P(A's true NPS > B's) = Phi((est_A - est_B) / sqrt(var_A + var_B)); None when one has no answers."""
    if a.estimate is None or b.estimate is None or a.sd is None or b.sd is None:
        return None
    difference = a.estimate - b.estimate
    spread = math.sqrt(a.sd**2 + b.sd**2)
    if spread == 0:
        return 1.0 if difference > 0 else 0.0 if difference < 0 else 0.5
    return normal_cdf(difference / spread)


@dataclass(frozen=True)
class Ranked:
    """A unit's place in a ranking: 1 is the best; None for units without answers (listed last)."""

    rank: int | None
    shrunk: Shrunk
    beats_next: float | None  # P(this unit truly beats the one ranked just below it)


def ranking(shrunk: Iterable[Shrunk]) -> list[Ranked]:
    """Units best first by their shrunken NPS (ties: more answers first), each with P(beats the next);
    units without answers after them, unranked."""
    items = list(shrunk)
    scored = sorted(
        (item for item in items if item.estimate is not None),
        key=lambda item: (-(item.estimate or 0.0), -item.n, str(item.key)),
    )
    ranked = [
        Ranked(
            rank=place,
            shrunk=item,
            beats_next=probability_beats(item, scored[place]) if place < len(scored) else None,
        )
        for place, item in enumerate(scored, start=1)
    ]
    unscored = [Ranked(rank=None, shrunk=item, beats_next=None) for item in items if item.estimate is None]
    return ranked + unscored
