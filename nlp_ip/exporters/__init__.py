"""Exporters: write a trained model folder in another runtime's format.

They sit beside the runtime, not inside it (as SetFit's ``exporters/``):
:mod:`nlp_ip.inference` loads what they write and never imports them, while
they use the runtime's own pieces (the CPU's int8 kernel, the int8 graph
adaptation, the model folder) to check what they wrote.

- :mod:`nlp_ip.exporters.onnx`: :func:`export_onnx`, a transformer folder to an
  ONNX folder (``nlp-ip export --format onnx``);
- :mod:`nlp_ip.exporters.quantize`: its int8 schemes (rowwise, blockwise,
  dynamic) and the graph rewriting they share.
"""

from __future__ import annotations

from nlp_ip.exporters.onnx import ExportResult, export_onnx

__all__ = ["ExportResult", "export_onnx"]
