"""The stepwise self-rewarding loop as an Airflow DAG: one SparkSubmitOperator per stage and round.

Each task runs `stepwise stage NAME [--round R] --run RUN --config CONF` from the spark-jobs jar.
Stages are idempotent (a rerun replaces the stage's outputs), so Airflow's retries are safe, and
the tasks run in the loop's own order, one at a time per run directory (max_active_runs = 1).

The task list is not written here: it is read from `stepwise_plan.json` beside this file, which
`stepwise stages --json` prints for your configuration (rounds, alignment), so the DAG and the
loop cannot drift:

    bin/stepwise stages --json --config my.conf > $AIRFLOW_HOME/dags/stepwise_plan.json

Spark and GPU settings are spark-defaults style properties files, one for the stages that load a
model (search, ref, dpo, eval, sft, align: GPU executors) and one for the others (tasks, pairs);
`conf/spark-defaults.conf.example` is a starting point. Run directory, config, jar and both
properties files are DAG params, so one deployment serves many runs ("Trigger DAG w/ config").
"""
import json
import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models.param import Param
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

HERE = os.path.dirname(os.path.abspath(__file__))
PLAN_FILE = os.environ.get("STEPWISE_PLAN", os.path.join(HERE, "stepwise_plan.json"))
SPARK_CONN_ID = os.environ.get("STEPWISE_SPARK_CONN_ID", "spark_default")

# Stages that load a model and so want the GPU executors; the rest only move Parquet.
MODEL_STAGES = {"sft", "search", "ref", "dpo", "eval", "align"}


def load_plan(path=PLAN_FILE):
    with open(path, encoding="utf-8") as f:
        plan = json.load(f)
    if not plan.get("stages"):
        raise ValueError(f"{path} lists no stages; regenerate it with `stepwise stages --json`")
    return plan


def stage_task(stage):
    """The SparkSubmitOperator that runs one stage of the plan."""
    properties = "gpu_properties" if stage["stage"] in MODEL_STAGES else "cpu_properties"
    return SparkSubmitOperator(
        task_id=stage["task_id"],
        conn_id=SPARK_CONN_ID,
        application="{{ params.jar }}",
        java_class="dev.stepwise.spark.Main",
        application_args=stage["args"] + ["--run", "{{ params.run_dir }}", "--config", "{{ params.config_file }}"],
        properties_file="{{ params.%s }}" % properties,
        name="stepwise-" + stage["task_id"],
    )


def build_dag(plan, dag_id="stepwise_self_rewarding"):
    with DAG(
        dag_id=dag_id,
        description="stepwise: tasks -> sft -> eval, then per round search -> pairs -> ref -> dpo -> eval",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
        params={
            "run_dir": Param("hdfs:///stepwise/runs/r1", type="string", description="Run directory (any Hadoop URI)"),
            "config_file": Param("/opt/stepwise/conf/pipeline.conf", type="string", description="HOCON config"),
            "jar": Param("/opt/stepwise/spark-jobs-0.1.0-SNAPSHOT-all.jar", type="string",
                         description="The spark-submit jar (spark-jobs/target/spark-jobs-*-all.jar)"),
            "gpu_properties": Param("/opt/stepwise/conf/spark-gpu.conf", type="string",
                                    description="spark-defaults file for the model stages"),
            "cpu_properties": Param("/opt/stepwise/conf/spark-cpu.conf", type="string",
                                    description="spark-defaults file for tasks and pairs"),
        },
        tags=["stepwise"],
    ) as dag:
        tasks = {stage["task_id"]: stage_task(stage) for stage in plan["stages"]}
        for stage in plan["stages"]:
            for upstream in stage["upstream"]:
                tasks[upstream] >> tasks[stage["task_id"]]
    return dag


dag = build_dag(load_plan())
