"""What this machine's GPU can do, as far as inference and training care.

The counterpart of :mod:`nlp_ip.inference.cpu`. Three questions decide the GPU path:

- does torch see a CUDA GPU (``torch-cuda`` and ``training.device: cuda`` need one)?
- which half precision does it compute in natively: bf16 where the GPU has it
  (NVIDIA Ampere and newer), else fp16 (Volta, Turing). bf16 keeps fp32's
  exponent range, so it needs no loss scaling in training and cannot overflow
  in inference; fp16 has more mantissa but a range of about 6.5e4;
- does onnxruntime offer its CUDA execution provider (``onnx-cuda``)?

Everything here imports torch or onnxruntime only when called, and the answers
are not cached, so tests can mock ``torch.cuda.is_available`` and
``torch.cuda.is_bf16_supported``.
"""

from __future__ import annotations

from nlp_ip.errors import InvalidInputError

#: How a torch CUDA build is installed, for messages (the CUDA 12.6 wheels as an example).
TORCH_CUDA_INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cu126"
#: The onnxruntime build with the CUDA execution provider (installed in place of onnxruntime).
ORT_CUDA_INSTALL = "pip uninstall -y onnxruntime && pip install onnxruntime-gpu"


def cuda_available() -> bool:
    """True when torch sees a CUDA GPU (``torch.cuda.is_available()``)."""
    import torch

    return bool(torch.cuda.is_available())


def cuda_precision() -> str:
    """``bf16`` where the GPU computes bfloat16 natively, else ``fp16``.

    ``including_emulation=False``: torch otherwise reports bf16 as supported on
    GPUs that only emulate it (Volta, Turing), where it is many times slower
    than their fp16 tensor cores.
    """
    import torch

    return "bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else "fp16"


def cuda_device_name() -> str:
    """The current CUDA device's name and compute capability, for logs and reports."""
    import torch

    index = torch.cuda.current_device()
    major, minor = torch.cuda.get_device_capability(index)
    return f"cuda:{index} {torch.cuda.get_device_name(index)} (sm_{major}{minor})"


def cuda_unavailable_reason() -> str:
    """Why torch sees no CUDA GPU here, with the fix, for error messages."""
    import torch

    if torch.version.cuda is None:
        return (f"this torch ({torch.__version__}) is a CPU-only build; on a machine with an "
                f"NVIDIA GPU install a CUDA build of torch ({TORCH_CUDA_INSTALL})")
    return (f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU; check "
            "`nvidia-smi`, the NVIDIA driver and CUDA_VISIBLE_DEVICES (a Ray actor sees a GPU "
            "only when it asks for one: --gpus-per-actor)")


def require_cuda(backend: str) -> None:
    """Raise :class:`~nlp_ip.errors.InvalidInputError` naming the fix when there is no GPU."""
    if not cuda_available():
        raise InvalidInputError(
            f"backend {backend!r} needs a CUDA GPU, but {cuda_unavailable_reason()}; or use "
            "--backend auto (which takes the GPU when there is one) or a CPU backend such as "
            "torch-fp32")


def onnx_cuda_available() -> bool:
    """True when onnxruntime offers ``CUDAExecutionProvider`` (the onnxruntime-gpu build)."""
    try:
        import onnxruntime as ort
    except ImportError:
        return False
    return "CUDAExecutionProvider" in ort.get_available_providers()


def require_onnx_cuda(backend: str) -> None:
    """Raise :class:`~nlp_ip.errors.InvalidInputError` naming the fix when onnxruntime has
    no CUDA execution provider."""
    if not onnx_cuda_available():
        raise InvalidInputError(
            f"backend {backend!r} needs onnxruntime's CUDAExecutionProvider, which this "
            f"onnxruntime does not offer; install the GPU build ({ORT_CUDA_INSTALL}) on a "
            "machine with an NVIDIA GPU, or use --backend torch-cuda on the folder's torch "
            "weights, or onnx-fp32 on the CPU")
