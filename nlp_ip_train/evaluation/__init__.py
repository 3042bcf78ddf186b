"""Evaluation, decision-policy tuning, run comparison and HTML reports.

Everything that produces a number is a plain function over arrays
(``probs`` of shape (N, 4) in label order, integer ``y_true``, a
:class:`~nlp_ip.policy.DecisionPolicy` and per-row metadata dicts), so it can be
checked by hand without a model:

- :func:`~nlp_ip_train.evaluation.metrics.evaluation_metrics`: everything that goes
  into ``metrics.json``;
- :func:`~nlp_ip_train.evaluation.tuning.calibrate_policy`: remove and review
  thresholds for target precision and recall;
- :func:`~nlp_ip_train.evaluation.compare.compare_table`: a side-by-side table;
- :func:`~nlp_ip_train.evaluation.report.render_report`: the self-contained HTML page.

:func:`~nlp_ip_train.evaluation.run.evaluate` ties them to a model folder and a data
file; ``nlp_ip_train.evaluation.cli`` is the thin command-line layer.
"""

from __future__ import annotations

__all__ = ["calibrate_policy", "compare_table", "evaluate", "evaluation_metrics"]


def __getattr__(name: str) -> object:  # lazy: keep `import nlp_ip_train.evaluation` cheap
    if name == "evaluation_metrics":
        from nlp_ip_train.evaluation.metrics import evaluation_metrics

        return evaluation_metrics
    if name == "calibrate_policy":
        from nlp_ip_train.evaluation.tuning import calibrate_policy

        return calibrate_policy
    if name == "compare_table":
        from nlp_ip_train.evaluation.compare import compare_table

        return compare_table
    if name == "evaluate":
        from nlp_ip_train.evaluation.run import evaluate

        return evaluate
    raise AttributeError(name)
