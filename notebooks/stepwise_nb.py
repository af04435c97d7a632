"""Open a stepwise run from a notebook: SQL over its datasets into pandas, and its manifest.

    import stepwise_nb as nb
    run = nb.Run("runs/demo")
    run.query("SELECT round, avg(CAST(correct AS INT)) AS acc FROM eval_results GROUP BY round")

Every dataset (data-schemas/README.md) is a view named after it, empty until a stage writes it:
prompts, solutions, step_judgments, step_pairs, eval_results, translation_pairs, neuron_stats,
search_traces, rejected. Queries run on DuckDB when its Python package is installed (fast, local runs), and
otherwise through `bin/stepwise sql` (Spark SQL over the same Parquet; works for hdfs:// and
s3a:// runs too). Write SQL both understand: standard SELECT / JOIN / GROUP BY, CAST(x AS INT).
"""
import json
import os
import shutil
import subprocess
import tempfile

import pandas as pd

DATASETS = ["prompts", "solutions", "step_judgments", "step_pairs", "eval_results", "translation_pairs",
            "neuron_stats", "search_traces", "rejected"]
HERE = os.path.dirname(os.path.abspath(__file__))


def _stepwise_bin():
    return os.environ.get("STEPWISE_BIN", os.path.join(os.path.dirname(HERE), "bin", "stepwise"))


def _engine():
    wanted = os.environ.get("STEPWISE_NB_ENGINE", "auto")
    if wanted in ("auto", "duckdb"):
        try:
            import duckdb  # noqa: F401
            return "duckdb"
        except ImportError:
            if wanted == "duckdb":
                raise
    return "stepwise"


class Run:
    """A run directory: its manifest (run.json) and SQL over its datasets."""

    def __init__(self, path):
        self.path = path
        self.engine = _engine()
        self._duck = None

    def manifest(self):
        """run.json as a dict: stages with status, timings, config hash, inputs, outputs, metrics."""
        with open(os.path.join(self.path, "run.json"), encoding="utf-8") as f:
            return json.load(f)

    def stages(self):
        """One row per stage run: name, round, status, seconds, and the stage's metrics as columns."""
        rows = []
        for s in self.manifest()["stages"]:
            row = {"stage": s["name"], "round": s.get("round"), "status": s["status"]}
            row.update(s.get("metrics") or {})
            rows.append(row)
        return pd.DataFrame(rows)

    def query(self, sql):
        """One query's rows as a DataFrame."""
        return self.queries({"q": sql})["q"]

    def queries(self, named):
        """Several queries at once ({name: sql} -> {name: DataFrame}): one Spark session for all."""
        if self.engine == "duckdb":
            con = self._duckdb()
            return {name: con.execute(sql).df() for name, sql in named.items()}
        out = tempfile.mkdtemp(prefix="stepwise-nb-")
        try:
            cmd = [_stepwise_bin(), "sql", "--run", self.path, "--out", out] + list(named.values())
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError("stepwise sql failed: " + (done.stderr.strip().splitlines() or ["?"])[-1])
            frames = {}
            for i, name in enumerate(named, start=1):
                path = os.path.join(out, f"{i}.jsonl")
                with open(os.path.join(out, f"{i}.columns"), encoding="utf-8") as f:
                    columns = f.read().split()
                frames[name] = (pd.read_json(path, lines=True, dtype=False)[columns] if os.path.getsize(path)
                                else pd.DataFrame(columns=columns))
            return frames
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def _duckdb(self):
        if self._duck is None:
            import duckdb
            self._duck = duckdb.connect()
            for name in DATASETS:
                folder = os.path.join(self.path, "data", "_rejected" if name == "rejected" else name)
                if os.path.isdir(folder):  # (DuckDB cannot make an empty view without the schema)
                    glob = os.path.join(folder, "**", "*.parquet")
                    self._duck.execute(f"CREATE VIEW {name} AS SELECT * FROM "
                                       f"read_parquet('{glob}', hive_partitioning = true)")
        return self._duck


def open_run(path=None):
    """The run named by the argument, or by $STEPWISE_RUN, or runs/demo beside the notebooks."""
    return Run(path or os.environ.get("STEPWISE_RUN") or os.path.join(os.path.dirname(HERE), "runs", "demo"))
