"""Choosing where the model runs (embedding.device) and how many texts it embeds at once."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from qa.embed import default_batch_size, nvidia_driver_present, resolve_device
from qa.settings import Settings
from tests.conftest import ROOT


def never() -> bool:
    raise AssertionError("torch must not be asked about CUDA without an NVIDIA driver")


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_an_explicit_device_is_kept(device: str) -> None:
    assert resolve_device(device, driver_present=never, cuda_available=never) == device


def test_auto_without_an_nvidia_driver_is_cpu_and_never_asks_torch() -> None:
    assert resolve_device("auto", driver_present=lambda: False, cuda_available=never) == "cpu"


@pytest.mark.parametrize(("cuda", "expected"), [(True, "cuda"), (False, "cpu")])
def test_auto_with_a_driver_follows_torch(cuda: bool, expected: str) -> None:
    assert resolve_device("auto", driver_present=lambda: True, cuda_available=lambda: cuda) == expected


def test_batch_size_follows_the_device() -> None:
    assert default_batch_size("cpu") == 32
    assert default_batch_size("cuda") == default_batch_size("cuda:1") == 256


def test_device_setting_accepts_only_known_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_EMBEDDING__DEVICE", "cuda")
    monkeypatch.setenv("QA_CHROMA_URL", "http://127.0.0.1:8000")
    settings = Settings()
    assert settings.embedding.device == "cuda" and settings.embedding.batch_size is None
    assert settings.chroma_url == "http://127.0.0.1:8000"
    monkeypatch.setenv("QA_EMBEDDING__DEVICE", "gpu")
    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.skipif(nvidia_driver_present(), reason="this machine has an NVIDIA driver")
def test_default_settings_on_a_cpu_machine_embed_with_onnx_without_importing_torch() -> None:
    code = (
        "import sys\n"
        "from qa.chain import embedder_for\n"
        "from qa.settings import Settings\n"
        "e = embedder_for(Settings())\n"
        "print(type(e).__name__, e.batch_size, 'torch' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["OnnxEmbedder", "32", "False"]
