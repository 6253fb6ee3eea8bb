"""report.html and compare.html: one self-contained page each, safe with untrusted outputs.

The pages carry their CSS, script and charts inline and fetch nothing, so
a CI artifact opens offline. Model outputs, tool-call arguments, grader
explanations and sample prompts are untrusted text: Jinja renders with
autoescape on, and the client-side table reads its data from base64 data
blocks (built in ``payload``; base64 cannot close a tag) and builds the DOM
with ``textContent`` only. The only markup placed unescaped is what evalkit
itself produced: the stylesheet, the script, the sanitised chart SVGs and
the base64 blocks. A page is written as Jinja renders it, piece by piece,
so a 100,000-record page never exists in memory as one string.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.report import format as fmt
from evalkit.report.arms import arm_pairs, arms_in_order, require_comparable
from evalkit.report.packing import clip_middle, json_scalar
from evalkit.report.payload import sample_payload
from evalkit.report.stopped import records_per_target, stopped_targets
from evalkit.runfolder import RunManifest, read_manifest
from evalkit.secrets import redact_url

if TYPE_CHECKING:
    import jinja2
    import pandas as pd

REPORT_FILE = "report.html"
TEMPLATES = Path(__file__).with_name("templates")
MAX_FLIPS = 200  # per direction, on the comparison page


# --- tables --------------------------------------------------------------------------------


def _table_rows(table: pd.DataFrame, keys: Sequence[str]) -> list[dict[str, Any]]:
    """A metrics table as plain dicts, group keys as fields whether indexed or not."""
    if any(k not in table.columns for k in keys):
        table = table.reset_index()
    rows = []
    for rec in table.to_dict("records"):
        rows.append(
            {str(k): v if isinstance(v, dict | list) else json_scalar(v) for k, v in rec.items()}
        )
    return rows


def _stopped_view(manifest: RunManifest, df: pd.DataFrame | None) -> list[dict[str, str]]:
    """The run's stopped targets (run.json ``aborted``) with reason and items not run."""
    counts = records_per_target(df)
    return [
        {"target": s.target, "reason": s.reason, "not_run": s.not_run_text()}
        for s in stopped_targets(manifest, counts)
    ]


def _manifest_view(run_dir: Path, df: pd.DataFrame | None = None) -> dict[str, Any]:
    """run.json fields the header shows; targets keep name, model and URL only, never headers.

    ``df`` holds the run's records, to count what each stopped target left undone.
    """
    m = read_manifest(run_dir)
    targets = [
        {
            "name": t.name,
            "model": t.model,
            "base_url": redact_url(t.base_url) or "(in-process)",
            "simulated": t.simulated,
        }
        for t in m.targets
    ]
    return {
        "run_id": m.run_id,
        "status": m.status,
        "partial": m.status != "finished",
        "created_at": m.created_at,
        "finished_at": m.finished_at,
        "evalkit_version": m.evalkit_version,
        "suites": [
            {"name": s.name, "kind": s.kind, "n": s.n_samples, "sha": s.sha256[:12], "path": s.path}
            for s in m.suites
        ],
        "targets": targets,
        "simulated": [t["name"] for t in targets if t["simulated"]],
        "notes": list(m.notes),
        "stopped": _stopped_view(m, df),
    }


def _skipped(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Items never sent, per target, suite and reason (the probe's words)."""
    if df.empty or "skip_reason" not in df.columns:
        return []
    skipped = df[df["status"].astype(str) == "skipped"]
    if skipped.empty:
        return []
    keys = [
        skipped["arm"].astype(str),
        skipped["suite"].astype(str),
        skipped["skip_reason"].fillna("").astype(str),
    ]
    return [
        {"arm": arm, "suite": suite, "reason": reason, "n": len(g)}
        for (arm, suite, reason), g in skipped.groupby(keys, sort=True)
    ]


def _probes(run_dir: Path) -> list[dict[str, Any]]:
    """Each probed target's findings as lines (run.json ``probes``)."""
    from evalkit.client.capabilities import Capabilities

    out = []
    for target, found in read_manifest(run_dir).probes.items():
        if "error" in found:
            out.append({"target": target, "probed_at": "", "lines": [str(found["error"])]})
            continue
        caps = Capabilities.model_validate(found)
        out.append({"target": target, "probed_at": caps.probed_at, "lines": caps.lines()})
    return out


def _summaries(df: pd.DataFrame) -> dict[str, Any]:
    """The summary tables by arm and suite and by arm, as rows, and the charts drawn from them."""
    from evalkit import metrics
    from evalkit.report.plots import charts

    if not len(df):
        return {"overview": [], "per_arm": [], "charts": {}}
    tables = []
    for by in (("arm", "suite"), ("arm",)):
        table = metrics.summary_table(df, by=by)
        tables.append(table.reset_index() if any(k not in table.columns for k in by) else table)
    by_suite, per_arm = tables
    return {
        "overview": _table_rows(by_suite, ("arm", "suite")),
        "per_arm": _table_rows(per_arm, ("arm",)),
        "charts": charts(df, by_suite, per_arm),
    }


def _needle_calibration(df: pd.DataFrame, arms: list[str]) -> list[dict[str, Any]]:
    """metrics.needle_calibration as one group per arm (in ``arms`` order) with its rows."""
    from evalkit import metrics

    if "estimated_prompt_tokens" not in df.columns or df["estimated_prompt_tokens"].isna().all():
        return []
    rows = _table_rows(metrics.needle_calibration(df), ("arm", "context_length"))
    groups = []
    for arm in arms:
        mine = [r for r in rows if r["arm"] == arm]
        if mine:
            groups.append(
                {
                    "arm": arm,
                    "chars_per_token": mine[0]["chars_per_token"],
                    "suggested": mine[0]["suggested_chars_per_token"],
                    "rows": mine,
                }
            )
    return groups


# --- rendering -----------------------------------------------------------------------------


@functools.cache
def _env() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evalkit.report", "templates"),
        autoescape=True,  # every {{ }} is HTML-escaped unless evalkit made it Markup itself
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        pct=fmt.percent,
        secs=fmt.seconds,
        usd=fmt.usd,
        num=fmt.number,
        pp=fmt.points,
        change=fmt.change,
        score=fmt.score,
    )
    env.globals.update(
        accuracy_interval=fmt.accuracy_interval, interval=fmt.interval, pp=fmt.points
    )
    return env


@functools.cache
def _assets() -> dict[str, Any]:
    """The inline stylesheet and script, and the CSP hash that lets only that script run."""
    import base64
    import hashlib

    from markupsafe import Markup

    from evalkit import __version__

    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    assert "</script" not in script.lower() and "</style" not in css.lower()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return {
        "css": Markup(css),
        "script": Markup(script),
        "script_hash": f"sha256-{digest}",
        "generator_version": __version__,
    }


def _render(template: str, out: Path, **context: Any) -> Path:
    pieces = _env().get_template(template).generate(**_assets(), **context)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.writelines(pieces)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def write_report(run_dir: Path, out: Path | None = None, *, df: pd.DataFrame | None = None) -> Path:
    """Render the run folder's report.html (or ``out``) and return its path.

    ``df`` is the run as ``metrics.load_run`` returns it; passed in, it is not
    loaded again.
    """
    from evalkit import metrics

    run_dir = Path(run_dir)
    if df is None:
        df = metrics.load_run(run_dir)
    run = _manifest_view(run_dir, df)
    arms = arms_in_order(df)
    payload = sample_payload(df, {run["run_id"]: run_dir})
    return _render(
        "report.html.j2",
        Path(out) if out is not None else run_dir / REPORT_FILE,
        run=run,
        n_records=len(df),
        arms=arms,
        **_summaries(df),
        needle_calibration=_needle_calibration(df, arms),
        payload=payload,
        skipped=_skipped(df),
        probes=_probes(run_dir),
    )


def _breach_view(breach: Any) -> dict[str, str]:
    import dataclasses

    message = getattr(breach, "message", None) or str(breach)
    fields: dict[str, Any] = {}
    if dataclasses.is_dataclass(breach) and not isinstance(breach, type):
        fields = dataclasses.asdict(breach)
    elif isinstance(breach, Mapping):
        fields = dict(breach)
    fields.pop("message", None)
    return {"message": str(message), "fields": ", ".join(f"{k}={v}" for k, v in fields.items())}


def _flip_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for rec in table.to_dict("records"):
        row = {
            str(k): json_scalar(v) if not isinstance(v, list | dict) else v for k, v in rec.items()
        }
        for side in ("a", "b"):
            row[f"output_{side}"] = clip_middle(str(row.get(f"output_{side}") or ""), 4000)[0]
        rows.append(row)
    return rows


def _flips(df: pd.DataFrame, a: str, b: str) -> dict[str, Any]:
    """The flips between arms a and b, split by direction, at most MAX_FLIPS each."""
    from evalkit import metrics

    table = metrics.flips(df, a, b)
    up = table[table["direction"] == "up"]
    down = table[table["direction"] == "down"]
    return {
        "a": a,
        "b": b,
        "up": _flip_rows(up.head(MAX_FLIPS)),
        "down": _flip_rows(down.head(MAX_FLIPS)),
        "n_up": len(up),
        "n_down": len(down),
    }


def _records_of(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """The records of one run of a load_runs frame."""
    return df[df["run_label"].astype(str) == label] if "run_label" in df.columns else df


def write_compare_report(
    run_dirs: list[Path],
    out: Path,
    *,
    gate_breaches: list[Any] | None = None,
    reference: str | None = None,
) -> Path:
    """Render a comparison page of several runs (or of one run's several targets).

    The arms are paired as ``arms.arm_pairs`` pairs them (``reference``
    overrides the reference arm or run): each pair is compared on the
    samples both have (paired differences with SE and 95% CI, flips in each
    direction with both outputs, latency and cost deltas). The gate banner
    shows only when ``gate_breaches`` is given (a gate ran). InputError,
    before anything is written, when there is one run with a single target.
    """
    from evalkit import metrics

    dirs = [Path(d) for d in run_dirs]
    df = metrics.load_runs(dirs)
    require_comparable(df)
    runs = [
        _manifest_view(d, _records_of(df, label))
        for d, label in zip(dirs, df.attrs["runs"], strict=True)
    ]
    arms = arms_in_order(df)
    summaries = _summaries(df)
    by_suite, per_arm = summaries["overview"], summaries["per_arm"]
    pairs = []
    for a, b in arm_pairs(df, reference):
        diff = _table_rows(metrics.paired_diff(df, a, b, by="suite"), ("suite",))
        pairs.append({"a": a, "b": b, "diffs": diff, "flips": _flips(df, a, b)})
    suites = list(dict.fromkeys(str(r["suite"]) for r in by_suite))
    side = {(str(r["arm"]), str(r["suite"])): r for r in by_suite}
    payload = sample_payload(df, {r["run_id"]: d for r, d in zip(runs, dirs, strict=True)})
    return _render(
        "compare.html.j2",
        Path(out),
        runs=runs,
        arms=arms,
        suites=suites,
        side=side,
        totals={str(r["arm"]): r for r in per_arm},
        pairs=pairs,
        references=list(dict.fromkeys(p["a"] for p in pairs)),
        breaches=[_breach_view(b) for b in gate_breaches or []],
        gated=gate_breaches is not None,
        simulated=sorted({t for r in runs for t in r["simulated"]}),
        charts=summaries["charts"],
        payload=payload,
        n_records=len(df),
    )


__all__ = ["REPORT_FILE", "write_compare_report", "write_report"]
