"""A minimal stand-in for the parts of Apache Airflow that airflow/stepwise_dag.py uses.

Debian packages no Airflow, so the DAG's test imports the real DAG file against this: a DAG
that collects its operators, and the >> dependency operator. It implements no scheduling.
"""

_current = []


class DAG:
    def __init__(self, dag_id, params=None, default_args=None, **kwargs):
        self.dag_id = dag_id
        self.params = params or {}
        self.default_args = default_args or {}
        self.kwargs = kwargs
        self.tasks = []

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()
        return False


class BaseOperator:
    def __init__(self, task_id, **kwargs):
        if not _current:
            raise RuntimeError(f"operator {task_id} created outside a DAG context")
        self.task_id = task_id
        self.kwargs = kwargs
        self.upstream_task_ids = set()
        self.dag = _current[-1]
        if any(t.task_id == task_id for t in self.dag.tasks):
            raise ValueError(f"duplicate task_id {task_id}")
        self.dag.tasks.append(self)

    def __rshift__(self, other):
        other.upstream_task_ids.add(self.task_id)
        return other
