"""A server-rendered SVG line chart of NPS with its 95 % interval band (no JavaScript, no CDN)."""

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 12, 28


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    low_sample: bool


def _y(value: float) -> float:
    """NPS -100..100 to the chart's height."""
    inner = HEIGHT - PAD_TOP - PAD_BOTTOM
    return PAD_TOP + inner * (100 - value) / 200


def nps_trend_svg(points: list[Point]) -> dict:
    """Coordinates for the template: the line, the band polygon, dots (hollow where n is small)."""
    inner_width = WIDTH - PAD_LEFT - PAD_RIGHT
    step = inner_width / max(1, len(points) - 1)
    xs = [PAD_LEFT + i * step for i in range(len(points))]
    known = [(x, p, p.value) for x, p in zip(xs, points, strict=True) if p.value is not None]
    line = " ".join(f"{x:.1f},{_y(value):.1f}" for x, _, value in known)
    upper = [f"{x:.1f},{_y(p.high):.1f}" for x, p, _ in known if p.high is not None]
    lower = [f"{x:.1f},{_y(p.low):.1f}" for x, p, _ in reversed(known) if p.low is not None]
    dots = [
        {"x": round(x, 1), "y": round(_y(value), 1), "small": p.low_sample, "title": _title(p)}
        for x, p, value in known
    ]
    every = max(1, len(points) // 8)
    ticks = [
        {"x": round(x, 1), "label": p.label[5:]}
        for i, (x, p) in enumerate(zip(xs, points, strict=True))
        if i % every == 0
    ]
    grid = [{"y": round(_y(v), 1), "label": v} for v in (100, 50, 0, -50, -100)]
    return {
        "width": WIDTH, "height": HEIGHT, "line": line, "band": " ".join(upper + lower),
        "dots": dots, "ticks": ticks, "grid": grid, "axis_y": HEIGHT - PAD_BOTTOM + 16, "left": PAD_LEFT,
        "right": WIDTH - PAD_RIGHT,
    }  # fmt: skip


def _title(point: Point) -> str:
    text = f"{point.label}: NPS {point.value:.0f} (95 % {point.low:.0f} to {point.high:.0f}), n={point.n}"
    return text + " — small sample" if point.low_sample else text
