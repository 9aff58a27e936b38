"""gunicorn settings for Custos (production). Override with GUNICORN_* env or CLI flags."""

import multiprocessing
import os

bind = os.environ.get("CUSTOS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CUSTOS_WEB_WORKERS", str(max(2, multiprocessing.cpu_count()))))
threads = int(os.environ.get("CUSTOS_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 120
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("CUSTOS_FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):  # gunicorn hook
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
