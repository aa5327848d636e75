"""What docs/ gives an operator for Prometheus and Grafana holds together: the alert rules
load and fire when they should (promtool), every query of the Grafana dashboard is valid
PromQL, and every metric they name is one /metrics exposes."""

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from tests.promtool import promtool

DOCS = Path(__file__).resolve().parents[1] / "docs"
RULES = DOCS / "prometheus-rules.yml"
DASHBOARD = DOCS / "grafana-dashboard.json"
METRIC = re.compile(r"\bedrops_[a-z_]+")


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def rule_queries() -> list[str]:
    return [r["expr"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]


def test_the_alert_rules_load_and_fire_as_their_unit_tests_say():
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", str(DOCS / "prometheus-rules.test.yml"))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    alerts = {r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]}
    assert {"EdropsNoWorker", "EdropsClockLate", "EdropsPagesFailing", "EdropsSourceSilent"} <= (
        alerts
    )


def test_every_dashboard_query_is_valid_promql(tmp_path):
    # promtool parses the queries of a rules file: each query becomes a recording rule.
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query{n}", "expr": expr}
        for n, expr in enumerate(dashboard_queries())
    ]}]}  # fmt: skip
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump(rules))

    checked = promtool("check", "rules", str(path))

    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.django_db
def test_the_dashboard_and_the_rules_name_only_metrics_that_exist():
    families = list(text_string_to_metric_families(APIClient().get("/metrics").content.decode()))
    # An empty database has no counter samples yet: the families name them.
    exposed = {s.name for f in families for s in f.samples} | {
        f"{f.name}_total" if f.type == "counter" else f.name for f in families
    }
    named = {m for query in dashboard_queries() + rule_queries() for m in METRIC.findall(query)}

    assert named
    assert named - exposed == set()
