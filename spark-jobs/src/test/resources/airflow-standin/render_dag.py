"""Loads a DAG file against the stand-in airflow package and prints its task graph as JSON,
with '{{ params.NAME }}' rendered from the DAG's param defaults (overridable: NAME=VALUE args).

    PYTHONPATH=<this dir> STEPWISE_PLAN=plan.json python3 render_dag.py DAG_FILE [NAME=VALUE ...]
"""
import importlib.util
import json
import re
import sys


def main():
    spec = importlib.util.spec_from_file_location("dag_under_test", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag = module.dag
    params = {name: p.value for name, p in dag.params.items()}
    for override in sys.argv[2:]:
        name, value = override.split("=", 1)
        if name not in params:
            raise SystemExit(f"unknown DAG param {name}; params: {sorted(params)}")
        params[name] = value

    def render(value):
        if isinstance(value, list):
            return [render(v) for v in value]
        if isinstance(value, str):
            return re.sub(r"\{\{\s*params\.(\w+)\s*\}\}", lambda m: str(params[m.group(1)]), value)
        return value

    tasks = []
    for task in dag.tasks:
        tasks.append({
            "task_id": task.task_id,
            "upstream": sorted(task.upstream_task_ids),
            "java_class": task.java_class,
            "application": render(task.application),
            "application_args": render(task.application_args),
            "properties_file": render(task.properties_file),
            "retries": dag.default_args.get("retries"),
            "max_active_runs": dag.kwargs.get("max_active_runs"),
        })
    print(json.dumps({"dag_id": dag.dag_id, "tasks": tasks}))


main()
