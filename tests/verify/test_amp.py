"""AMP: fp16_loss_scaler (0.x) vs AmpOptimWrapper (1.x), docs/semantics.md §5.

Without CUDA an AMP pair is never a pass: it is "not verified" (or
"different" if the fp32 replay or the loss-scaler config already differ).
The CUDA tests skip cleanly on machines without a GPU.
"""
from __future__ import annotations

import pytest

from mmgen_migrate.verify import verify_configs

from _pairs import cgan_pair, uncond_pair, with_fp16

torch = pytest.importorskip("torch")
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_amp_pair_on_cpu_is_not_verified_never_passed():
    old, new = with_fp16(*cgan_pair(1, 1, 1))
    r = verify_configs(old, new, iters=8, device="cpu")
    assert r.verdict == "not verified"
    assert r.exit_code == 1
    assert "not verifiable on CPU" in r.reasons[0]
    # The schedule itself was still replayed (in fp32) and matched.
    assert r.timelines["generator"].old == r.timelines["generator"].new == "S" * 8


def test_schedule_difference_wins_over_not_verified_on_cpu():
    old, new = with_fp16(*cgan_pair(3, 1, 2))  # integer rule: wrong period
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "different"
    assert any("not verifiable on CPU" in x for x in r.not_verified)


@pytest.mark.parametrize("loss_scale,words", [
    (512, "is an int: MMEngine's AmpOptimWrapper raises TypeError"),
    (512.0, "is a static scale"),
    ("dynamic", "uses GradScaler defaults"),
    (dict(init_scale=1024), "differs from 0.x fp16_loss_scaler"),
])
def test_loss_scale_mapping_is_checked_on_cpu(loss_scale, words):
    old, new = with_fp16(*cgan_pair(1, 1, 1), new_loss_scale=loss_scale)
    r = verify_configs(old, new, iters=4, device="cpu")
    assert r.verdict == "different"
    amp = [d for d in r.differences if d.kind == "amp"]
    assert amp and words in amp[0].message


def test_amp_added_or_dropped():
    old, new = with_fp16(*uncond_pair(1))
    old["runner"].pop("fp16_loss_scaler")
    r = verify_configs(old, new, iters=4, device="cpu")
    assert any(d.kind == "amp" and "0.x did not" in d.message for d in r.differences)
    old, new = with_fp16(*uncond_pair(1))
    for k in ("generator", "discriminator"):
        new["optim_wrapper"][k].pop("type")
        new["optim_wrapper"][k].pop("loss_scale")
    r = verify_configs(old, new, iters=4, device="cpu")
    assert any(d.kind == "amp" and "loss scaler was dropped" in d.message for d in r.differences)


@needs_cuda
def test_amp_pair_verifies_on_cuda():
    old, new = with_fp16(*cgan_pair(1, 1, 1))
    r = verify_configs(old, new, iters=12, device="cuda")
    assert r.device == "cuda"
    assert r.verdict == "equivalent", r.reasons
    assert any("AMP replayed on CUDA" in n for n in r.notes)


@needs_cuda
def test_amp_stylegan2_pair_verifies_on_cuda():
    old, new = with_fp16(*uncond_pair(2, new_type="StyleGAN2"))
    r = verify_configs(old, new, iters=12, device="auto")
    assert r.device == "cuda"
    assert r.verdict == "equivalent", r.reasons


@needs_cuda
def test_int_loss_scale_fails_to_build_on_cuda():
    old, new = with_fp16(*cgan_pair(1, 1, 1), new_loss_scale=512)
    r = verify_configs(old, new, iters=4, device="cuda")
    assert r.verdict == "different"
    assert any(d.kind == "crash" and "TypeError" in d.message for d in r.differences)


@needs_cuda
def test_legacy_fp16_with_gen_steps_crashes_in_0x():
    # docs/semantics.md §5: BasiccGAN with gen_steps > 1 and a loss scaler crashes in 0.x.
    old, new = with_fp16(*cgan_pair(1, 2, 1))
    r = verify_configs(old, new, iters=4, device="cuda")
    assert r.verdict == "not verified"
    assert "unscale_" in r.reasons[0]


def test_cuda_request_without_cuda_is_unusable_input():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    from mmgen_migrate.verify import VerifyInputError

    old, new = cgan_pair(1, 1, 1)
    with pytest.raises(VerifyInputError, match="CUDA is not available"):
        verify_configs(old, new, device="cuda")
