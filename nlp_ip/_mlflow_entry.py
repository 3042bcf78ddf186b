"""The code MLflow runs to build the pyfunc model of a logged nlp-ip folder.

MLflow's "models from code": :func:`nlp_ip.mlflow.log_model` logs this file instead of a
pickled object; on load MLflow runs it and takes the model that ``set_model`` names.
"""

from __future__ import annotations

import mlflow

from nlp_ip.mlflow import ListingClassifierModel

mlflow.models.set_model(ListingClassifierModel())
