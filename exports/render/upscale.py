"""AI upscaling (x4): the two network shapes the product supports, weight
loading from the public release layout, and tiled inference.

- SRVGGNetCompact: the compact network of Real-ESRGAN's `realesr-general-x4v3`
  (a plain stack of 3x3 convolutions with PReLU, a pixel shuffle, and the input
  upsampled by nearest neighbour added back).
- RRDBNet: the `RealESRGAN_x4plus` network (residual-in-residual dense blocks).

Weights are state dicts under `params_ema` or `params` (or bare), read from
SR_WEIGHTS_DIR by the caller; nothing is ever downloaded. Sizes (features,
depth) are read from the state dict, so any trained width loads.

Large frames go through in tiles, each padded by `tile_pad` pixels of real
context that is cut off again, so seams do not show where tiles meet.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

SCALE = 4


class SRVGGNetCompact(nn.Module):
    def __init__(
        self, num_feat: int = 64, num_conv: int = 32, channels: int = 3, upscale: int = SCALE
    ) -> None:
        super().__init__()
        self.upscale = upscale
        layers: list[nn.Module] = [nn.Conv2d(channels, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        layers.append(nn.Conv2d(num_feat, channels * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(layers)
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for layer in self.body:
            out = layer(out)
        return self.upsampler(out) + F.interpolate(x, scale_factor=self.upscale, mode="nearest")


class DenseBlock(nn.Module):
    """Five convolutions, each seeing every earlier output."""

    def __init__(self, num_feat: int, grow: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, grow, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + grow, grow, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * grow, grow, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * grow, grow, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * grow, num_feat, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        return self.conv5(torch.cat((x, x1, x2, x3, x4), 1)) * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, num_feat: int, grow: int) -> None:
        super().__init__()
        self.rdb1, self.rdb2, self.rdb3 = (DenseBlock(num_feat, grow) for _ in range(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    def __init__(self, num_feat: int = 64, num_block: int = 23, grow: int = 32, channels: int = 3) -> None:
        super().__init__()
        self.conv_first = nn.Conv2d(channels, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(RRDB(num_feat, grow) for _ in range(num_block)))
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, channels, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))


def unwrap(state: dict) -> dict[str, torch.Tensor]:
    """The weights inside a release file: under params_ema, params, or bare."""
    for key in ("params_ema", "params"):
        if key in state:
            return state[key]
    return state


def build_from_state(state: dict[str, torch.Tensor]) -> nn.Module:
    """Build the network these weights belong to, sized by the weights themselves."""
    if "conv_first.weight" in state:
        blocks = {int(m.group(1)) for k in state if (m := re.match(r"body\.(\d+)\.rdb1\.", k))}
        num_feat = state["conv_first.weight"].shape[0]
        grow = state["body.0.rdb1.conv1.weight"].shape[0]
        model = RRDBNet(num_feat=num_feat, num_block=len(blocks), grow=grow)
    elif "body.0.weight" in state:
        convs = sorted(int(m.group(1)) for k in state if (m := re.match(r"body\.(\d+)\.weight", k)))
        num_feat = state["body.0.weight"].shape[0]
        # body: conv, prelu, (conv, prelu) * num_conv, conv -> indices 0 .. 2 * num_conv + 2
        model = SRVGGNetCompact(num_feat=num_feat, num_conv=(convs[-1] - 2) // 2)
    else:
        raise ValueError("these weights are neither an SRVGGNetCompact nor an RRDBNet")
    model.load_state_dict(state, strict=True)
    return model.eval()


def load_upscaler(path: str | Path, device: str = "cpu", half: bool = False) -> nn.Module:
    state = unwrap(torch.load(str(path), map_location="cpu", weights_only=True))
    model = build_from_state(state).to(device)
    return model.half() if half else model


@torch.inference_mode()
def upscale(model: nn.Module, batch: torch.Tensor, tile: int = 0, tile_pad: int = 16) -> torch.Tensor:
    """batch (N, 3, H, W) in [0, 1] -> (N, 3, 4H, 4W). `tile` > 0 splits frames
    into tiles of that size (plus `tile_pad` pixels of context on every side)."""
    dtype = next(model.parameters()).dtype
    batch = batch.to(dtype)
    if tile <= 0:
        return model(batch).float()
    count, channels, height, width = batch.shape
    out = torch.empty(count, channels, height * SCALE, width * SCALE, device=batch.device)
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            bottom, right = min(top + tile, height), min(left + tile, width)
            pad_top, pad_left = max(0, top - tile_pad), max(0, left - tile_pad)
            pad_bottom, pad_right = min(height, bottom + tile_pad), min(width, right + tile_pad)
            result = model(batch[:, :, pad_top:pad_bottom, pad_left:pad_right]).float()
            y0, x0 = (top - pad_top) * SCALE, (left - pad_left) * SCALE
            out[:, :, top * SCALE : bottom * SCALE, left * SCALE : right * SCALE] = result[
                :, :, y0 : y0 + (bottom - top) * SCALE, x0 : x0 + (right - left) * SCALE
            ]
    return out


# Release file names of the two supported models, in order of preference.
WEIGHT_FILES = {"compact": "realesr-general-x4v3.pth", "rrdb": "RealESRGAN_x4plus.pth"}


def choose_upscaler(
    weights_dir: str | Path | None, device: str, prefer: str = "compact", allow_cpu: bool = False
) -> tuple[nn.Module | None, str]:
    """The network to upscale with, and why not when there is none.

    None (with the reason) when no weights are in `weights_dir`, or on the CPU
    unless `allow_cpu`: a 4x network there runs at seconds per 1080p frame, so the
    antialiased bicubic resize is the better trade. On CUDA the network runs in fp16.
    """
    if not weights_dir:
        return None, "no SR_WEIGHTS_DIR"
    if device != "cuda" and not allow_cpu:
        return None, "network upscaling is off on the CPU"
    order = [prefer, *(name for name in WEIGHT_FILES if name != prefer)]
    for name in order:
        path = Path(weights_dir) / WEIGHT_FILES[name]
        if path.is_file():
            return load_upscaler(path, device=device, half=device == "cuda"), name
    return None, f"no weights in {weights_dir}"
