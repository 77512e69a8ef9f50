"""The upscalers: both networks build from state dicts the test makes (never
downloaded), in both release layouts, and tiled inference matches untiled."""

from __future__ import annotations

import pytest
import torch

from exports.render.upscale import RRDBNet, SRVGGNetCompact, build_from_state, load_upscaler, upscale


def small_networks() -> dict[str, torch.nn.Module]:
    torch.manual_seed(0)
    return {
        "compact": SRVGGNetCompact(num_feat=16, num_conv=4).eval(),
        "rrdb": RRDBNet(num_feat=16, num_block=1, grow=8).eval(),
    }


@pytest.mark.parametrize("name", ["compact", "rrdb"])
@pytest.mark.parametrize("layout", ["params_ema", "params", None])
def test_weights_load_in_every_release_layout(tmp_path, name, layout):
    original = small_networks()[name]
    state = original.state_dict()
    path = tmp_path / "weights.pth"
    torch.save({layout: state} if layout else state, path)

    loaded = load_upscaler(path)

    frame = torch.rand(1, 3, 24, 20)
    with torch.inference_mode():
        assert torch.allclose(loaded(frame), original(frame), atol=1e-6)
    assert type(loaded) is type(original)


def test_the_full_size_networks_build_from_their_own_state_dicts():
    for network in (SRVGGNetCompact(), RRDBNet()):
        rebuilt = build_from_state(network.state_dict())
        assert type(rebuilt) is type(network)
        assert sum(p.numel() for p in rebuilt.parameters()) == sum(p.numel() for p in network.parameters())


@pytest.mark.parametrize(("name", "pad"), [("compact", 8), ("rrdb", 24)])
def test_tiled_output_matches_untiled(name, pad):
    model = small_networks()[name]
    frames = torch.rand(2, 3, 50, 70)

    whole = upscale(model, frames)
    tiled = upscale(model, frames, tile=32, tile_pad=pad)

    assert whole.shape == (2, 3, 200, 280)
    assert torch.allclose(tiled, whole, atol=1e-4)


def test_weights_of_another_network_are_refused():
    with pytest.raises(ValueError, match="neither"):
        build_from_state({"encoder.weight": torch.zeros(1)})


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (fp16 runs on the GPU)")
def test_half_precision_on_the_gpu_matches_float(tmp_path):
    model = small_networks()["compact"]
    path = tmp_path / "w.pth"
    torch.save({"params_ema": model.state_dict()}, path)
    frames = torch.rand(4, 3, 64, 64, device="cuda")

    full = upscale(load_upscaler(path, device="cuda"), frames)
    half = upscale(load_upscaler(path, device="cuda", half=True), frames)

    assert torch.allclose(full, half, atol=2e-2)


def test_the_upscaler_is_chosen_from_the_weights_directory(tmp_path):
    from exports.render.upscale import WEIGHT_FILES, choose_upscaler

    torch.save({"params_ema": small_networks()["rrdb"].state_dict()}, tmp_path / WEIGHT_FILES["rrdb"])

    model, name = choose_upscaler(tmp_path, "cpu", allow_cpu=True)
    assert (type(model).__name__, name) == ("RRDBNet", "rrdb")  # compact preferred, but only rrdb is there

    assert choose_upscaler(tmp_path, "cpu") == (None, "network upscaling is off on the CPU")
    assert choose_upscaler(None, "cuda") == (None, "no SR_WEIGHTS_DIR")
    assert choose_upscaler(tmp_path / "empty", "cpu", allow_cpu=True)[0] is None
