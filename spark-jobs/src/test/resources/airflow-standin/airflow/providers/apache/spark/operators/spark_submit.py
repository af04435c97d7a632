from airflow import BaseOperator


class SparkSubmitOperator(BaseOperator):
    template_fields = ("application", "application_args", "properties_file", "name", "conf")

    def __init__(self, task_id, application, java_class=None, application_args=None, conn_id="spark_default",
                 properties_file=None, name=None, conf=None, **kwargs):
        super().__init__(task_id, **kwargs)
        self.application = application
        self.java_class = java_class
        self.application_args = application_args or []
        self.conn_id = conn_id
        self.properties_file = properties_file
        self.name = name
        self.conf = conf
