"""Tiny surrogate networks, data and noise shared by both replays.

The real generator/discriminator architectures are irrelevant to the
update schedule, so both sides train the same tiny modules under the
config's module keys. Determinism is the point:

* the initial weights come from one seed and are loaded into both sides;
* the real batch of iteration ``i`` is a function of ``(seed, i)``;
* the noise of a pass is a function of ``(seed, pass key)``, where the pass
  key names the pass in schedule terms (``('D', i, 0)`` for the D pass of
  iteration ``i``, ``('G', i, j)`` for the j-th G pass of the generator
  phase at iteration ``i``). When the two schedules agree, corresponding
  passes see identical noise and the final parameters agree; when they do
  not, the parameters diverge as well.

Both replays run in float64 unless AMP is replayed (autocast only acts on
float32): then the two sides' different but equivalent arithmetic (e.g.
0.x's ``orig + (ema - orig) * m`` against MMEngine's
``ema * (1 - m1) + orig * m1``) cannot accumulate into a visible
difference over long runs.

The generator has a float buffer (a running mean of its output, updated
in training-mode forwards like a BatchNorm statistic) so that the EMA
buffer conventions (``momentum_nontrainable`` / ``update_buffers``) are
exercised too. There are no integer buffers on purpose: their EMA
treatment is version-specific and unrelated to schedules.
"""
from __future__ import annotations

import zlib
from typing import Dict, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

NOISE_SIZE = 4
FEATURES = 3
BATCH = 2


class SurrogateGenerator(nn.Module):
    noise_size = NOISE_SIZE

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(NOISE_SIZE, FEATURES)
        self.register_buffer("running_mean", torch.zeros(FEATURES))

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        out = torch.tanh(self.fc(noise))
        if self.training:
            with torch.no_grad():
                self.running_mean.mul_(0.9).add_(out.detach().float().mean(0), alpha=0.1)
        return out


class SurrogateDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(FEATURES, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


class SurrogateTranslator(nn.Module):
    """Image-to-image surrogate: features -> features."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(FEATURES, FEATURES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.fc(x))


class SurrogateMultiScale(nn.Module):
    """SinGAN-style multi-scale module: ``blocks[k]`` trains at stage k."""

    def __init__(self, num_scales: int, kind: str):
        super().__init__()
        self.kind = kind
        self.num_scales = num_scales
        self.blocks = nn.ModuleList(
            [nn.Linear(NOISE_SIZE if kind == "generator" else FEATURES,
                       FEATURES if kind == "generator" else 1)
             for _ in range(num_scales + 1)])

    def forward(self, x: torch.Tensor, stage: int) -> torch.Tensor:
        out = self.blocks[stage](x)
        return torch.tanh(out) if self.kind == "generator" else out

    def load_prev(self, stage: int) -> None:
        """Copy the previous stage's weights into ``stage`` (SinGAN does this)."""
        if stage > 0:
            self.blocks[stage].load_state_dict(self.blocks[stage - 1].state_dict())


class SurrogateGAN(nn.Module):
    """Container with the config's module keys, built from one seed."""

    def __init__(self, family: str, gen_key: str, disc_key: str,
                 domains: Tuple[str, ...] = (), num_scales: int = 0):
        super().__init__()
        self.family = family
        self.gen_key, self.disc_key = gen_key, disc_key
        if family == "translation":
            setattr(self, gen_key, nn.ModuleDict({d: SurrogateTranslator() for d in domains}))
            setattr(self, disc_key, nn.ModuleDict({d: SurrogateDiscriminator() for d in domains}))
        elif family == "singan":
            setattr(self, gen_key, SurrogateMultiScale(num_scales, "generator"))
            setattr(self, disc_key, SurrogateMultiScale(num_scales, "discriminator"))
        else:
            setattr(self, gen_key, SurrogateGenerator())
            setattr(self, disc_key, SurrogateDiscriminator())

    @property
    def gen(self) -> nn.Module:
        return getattr(self, self.gen_key)

    @property
    def disc(self) -> nn.Module:
        return getattr(self, self.disc_key)


def initial_state(model: nn.Module, seed: int) -> Dict[str, torch.Tensor]:
    """Seeded initial weights, independent of the global RNG state."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for name, t in model.state_dict().items():
        if t.dtype.is_floating_point and not name.endswith("running_mean"):
            state[name] = (torch.rand(t.shape, generator=gen) - 0.5)
        else:
            state[name] = t.clone()
    return state


def _key_seed(seed: int, key: tuple) -> int:
    return (zlib.crc32(repr(key).encode()) ^ (seed * 0x9E3779B1)) & 0x7FFFFFFF


class Streams:
    """Deterministic data and noise, keyed by schedule position."""

    def __init__(self, seed: int, device: torch.device, dtype: torch.dtype = torch.float64):
        self.seed = seed
        self.device = device
        self.dtype = dtype

    def _randn(self, key: tuple, *shape) -> torch.Tensor:
        g = torch.Generator().manual_seed(_key_seed(self.seed, key))
        return torch.randn(*shape, generator=g).to(self.device, self.dtype)

    def real(self, i: int) -> torch.Tensor:
        """The real batch of (0.x or 1.x) iteration/round ``i``."""
        return torch.tanh(self._randn(("real", i), BATCH, FEATURES) + 0.5)

    def pair(self, i: int, domains: Tuple[str, ...]) -> Dict[str, torch.Tensor]:
        return {d: torch.tanh(self._randn(("real", d, i), BATCH, FEATURES) + k)
                for k, d in enumerate(domains)}

    def noise(self, key: tuple, num: int = BATCH) -> torch.Tensor:
        return self._randn(("noise",) + tuple(key), num, NOISE_SIZE)


# Losses: non-saturating GAN loss; the same functions on both sides.

def d_loss(pred_fake: torch.Tensor, pred_real: torch.Tensor) -> torch.Tensor:
    return F.softplus(pred_fake).mean() + F.softplus(-pred_real).mean()


def g_loss(pred_fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-pred_fake).mean()


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)
