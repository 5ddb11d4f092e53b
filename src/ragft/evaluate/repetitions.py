"""`seeds: N`: the whole experiment N times, with data generation and training seeded i = 0..N-1 apart.

Each repetition is a complete run in `seed-<i>/` (its own results.json and report); the top-level
results.json holds every seed's numbers and, per arm and probe family, their mean and standard
deviation (results.json["experiments"]["seeds"], typed as evaluate/results.py's SeedsResults and checked
before it is written), which report/repetitions.py renders.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

from ragft import __version__, atomic
from ragft.evaluate.results import RESULTS, RunResults, SeedsResults
from ragft.evaluate.runner import Experiment, RunOutput
from ragft.report.repetitions import render_seed_reports


def seed_configs(config) -> list:
    """The config of each repetition: training seed and data seed both moved by i."""
    return [
        config.model_copy(
            update={
                "seeds": 1,
                "seed": config.seed + i,
                "data": config.data.model_copy(update={"seed": config.data.seed + i}),
            }
        )
        for i in range(config.seeds)
    ]


def _spread(values: list[float]) -> dict:
    return {
        "values": values,
        "mean": round(statistics.fmean(values), 6),
        "std": round(statistics.stdev(values), 6) if len(values) > 1 else 0.0,
    }


def seed_summary(runs: list[RunResults]) -> dict:
    """Per arm: accuracy per seed, mean and sample std; the same per probe family where probed."""
    arms = list(dict.fromkeys(a for r in runs for a in r.arms))
    out = {}
    for arm in arms:
        scored = [r.arms[arm] for r in runs if arm in r.arms and r.arms[arm].accuracy is not None]
        entry = {"accuracy": _spread([a.accuracy for a in scored])}
        families = list(dict.fromkeys(f for a in scored for f in (a.families or {})))
        for family in families:
            values = [a.families[family].value for a in scored if (a.families or {}).get(family)]
            entry[family] = _spread(values)
        out[arm] = entry
    return {
        "seeds": [{"seed": r.config["seed"], "data_seed": r.config["data"]["seed"], "run": r.run_name} for r in runs],
        "arms": out,
    }


def run_seeds(config, run_dir: Path, reporter, **experiment_kwargs) -> RunOutput:
    """Every repetition in its own directory, then the summary and its report at the top."""
    runs = []
    for i, cfg in enumerate(seed_configs(config)):
        sub = run_dir / f"seed-{i}"
        sub.mkdir(parents=True, exist_ok=True)
        reporter.log(f"seed {i + 1}/{config.seeds}: training seed {cfg.seed}, data seed {cfg.data.seed} -> {sub}")
        runs.append(Experiment(cfg, sub, reporter, **experiment_kwargs).run().results)
    results = SeedsResults(
        ragft_version=__version__,
        run_name=run_dir.name,
        created=dt.datetime.now().isoformat(timespec="seconds"),
        config=config.model_dump(mode="json"),
        experiments={"seeds": seed_summary(runs)},
        timings={"total": round(sum(r.timings["total"] for r in runs), 3)},
    )
    render_seed_reports(results, run_dir)
    atomic.write_json(run_dir / RESULTS, results.as_dict())
    return RunOutput(run_dir, results)
